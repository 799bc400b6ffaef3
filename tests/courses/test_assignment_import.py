"""The content importer creates and updates an assignment lesson's Assignment and rubric."""
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kopedu.courses.importer import ContentError, import_course
from kopedu.courses.models import Assignment, Lesson, RubricCriterion
from kopedu.extensions import db

BUNDLED = Path(__file__).resolve().parents[2] / "content" / "courses" / "penguatan-kapasitas-pengurus-kmp"
TASK = "06-rencana-bisnis-dan-rencana-aksi/06-tugas-rencana-bisnis-dan-rencana-aksi.md"


@pytest.fixture
def folder(tmp_path):
    target = tmp_path / BUNDLED.name
    shutil.copytree(BUNDLED, target)
    return target


def test_import_creates_the_assignment_with_its_rubric(app, folder):
    import_course(folder)
    db.session.commit()
    assignment = db.session.scalar(select(Assignment))
    assert assignment.lesson.kind == "assignment"
    assert (assignment.kind, assignment.submit_text, assignment.submit_files, assignment.pass_mark,
            assignment.due_days) == ("business_plan", False, True, 70, 21)
    assert [c.steps for c in assignment.criteria] == [
        ["profil", "potensi"], ["produk", "pasar", "pemasaran"], ["keuangan"], ["rencana_aksi"],
        ["operasional", "organisasi", "risiko"]]
    assert assignment.lesson.settings["assignment"]["kind"] == "business_plan"
    assert [c.title for c in assignment.criteria] == [
        "Potensi lokal dan peluang", "Produk dan pasar", "Rencana keuangan", "Rencana aksi tiga bulan",
        "Kelayakan dan risiko"]
    assert assignment.criteria[0].levels[0]["points"] == 4 and assignment.max_points == 20
    assert assignment.lesson.settings["assignment"]["pass_mark"] == 70


def test_reimport_is_idempotent_and_updates_in_place(app, folder):
    import_course(folder)
    db.session.commit()
    ids = list(db.session.scalars(select(RubricCriterion.id).order_by(RubricCriterion.position)))
    report = import_course(folder)
    db.session.commit()
    assert report.updated == [] and not any("tugas" in line for line in report.created)
    assert list(db.session.scalars(select(RubricCriterion.id).order_by(RubricCriterion.position))) == ids

    path = folder / TASK
    text = path.read_text(encoding="utf-8")
    text = text.replace("pass_mark: 70", "pass_mark: 75").replace("criterion: Produk dan pasar",
                                                                  "criterion: Produk, harga, dan pasar")
    cut = text.index("    - criterion: Kelayakan dan risiko")
    path.write_text(text[:cut] + text[text.index("---\n", cut):], encoding="utf-8")
    report = import_course(folder)
    db.session.commit()
    assert any("tugas-rencana-bisnis" in line for line in report.updated)
    db.session.expire_all()
    assignment = db.session.scalar(select(Assignment))
    assert assignment.pass_mark == 75
    assert [c.id for c in assignment.criteria] == ids[:4]
    assert assignment.criteria[1].title == "Produk, harga, dan pasar"
    assert db.session.scalar(select(func.count()).select_from(RubricCriterion)) == 4


def test_lesson_no_longer_an_assignment_loses_its_assignment(app, folder):
    import_course(folder)
    db.session.commit()
    path = folder / TASK
    text = path.read_text(encoding="utf-8").replace("kind: assignment", "kind: reading")
    path.write_text(text, encoding="utf-8")
    import_course(folder)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    lesson = db.session.scalar(select(Lesson).where(Lesson.slug == "tugas-rencana-bisnis-dan-rencana-aksi"))
    assert lesson.kind == "reading"


def test_bad_rubric_is_reported_with_the_file(app, folder):
    path = folder / TASK
    text = path.read_text(encoding="utf-8").replace("criterion: Potensi lokal dan peluang", "judul: Potensi lokal dan peluang", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match="kriteria rubrik ke-1"):
        import_course(folder)


def test_fixed_due_date(app, folder):
    path = folder / TASK
    path.write_text(path.read_text(encoding="utf-8").replace("  due_days: 21\n", "  due_days: 21\n  due_date: 2026-12-15\n"),
                    encoding="utf-8")
    import_course(folder)
    db.session.commit()
    assignment = db.session.scalar(select(Assignment))
    assert assignment.due_date.isoformat() == "2026-12-15"
    assert assignment.lesson.settings["assignment"]["due_date"] == "2026-12-15"
    assert import_course(folder).updated == []
    path.write_text(path.read_text(encoding="utf-8").replace("due_date: 2026-12-15", "due_date: besok"), encoding="utf-8")
    with pytest.raises(ContentError, match="due_date"):
        import_course(folder)
