"""The course editor's trainer panel at national size: a page of the course's trainers and of the
accounts to add, searchable; one trainer added or removed at a time (never the whole list)."""
import re

import pytest

from kopedu.auth import services as accounts
from kopedu.courses.models import course_trainer
from kopedu.extensions import db
from tests import factories


@pytest.fixture
def many(app, monkeypatch):
    monkeypatch.setattr(accounts, "PICK_LIMIT", 5)
    course = factories.course(title="Kursus Nasional")
    on_course = [factories.trainer_of(course, full_name=f"Pelatih Kursus {n:02d}") for n in range(8)]
    others = [factories.user("trainer", full_name=f"Pelatih Lain {n:02d}") for n in range(8)]
    factories.user("trainer", full_name="Pelatih Nonaktif", active=False)
    db.session.commit()
    return course, on_course, others


def _trainer_ids(course):
    db.session.expire_all()
    return {row.user_id for row in db.session.execute(
        course_trainer.select().where(course_trainer.c.course_id == course.id))}


def test_the_panel_shows_a_page_of_each_list_and_finds_the_rest(many, client, login):
    course, on_course, others = many
    login(factories.user("admin"))
    page = client.get(f"/kelola/kursus/{course.id}").get_data(as_text=True)
    assert "8 pelatih" in page and "Tampil 5 dari 8" in page
    assert len(re.findall(r">Lepas<", page)) == 5 and len(re.findall(r">Tambah<", page)) == 5
    assert "Pelatih Kursus 07" not in page and "Pelatih Nonaktif" not in page

    panel = client.get(f"/kelola/kursus/{course.id}/pelatih?cari=kursus 07&tambah=lain 07",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in panel and 'id="trainer-panel"' in panel
    assert "Pelatih Kursus 07" in panel and "Pelatih Kursus 00" not in panel
    assert "Pelatih Lain 07" in panel and "Pelatih Lain 00" not in panel
    none = client.get(f"/kelola/kursus/{course.id}/pelatih?tambah=nonaktif").get_data(as_text=True)
    assert "Tidak ada akun pelatih yang cocok." in none


def test_add_and_remove_one_trainer_keep_the_rest(many, client, login):
    course, on_course, others = many
    login(factories.user("admin"))
    before = _trainer_ids(course)
    added = client.post(f"/kelola/kursus/{course.id}/pelatih/tambah", data={"user_id": str(others[7].id)},
                        headers={"HX-Request": "true"})
    assert added.status_code == 200 and "Pelatih Lain 07 sekarang pelatih kursus ini." in added.get_data(as_text=True)
    assert _trainer_ids(course) == before | {others[7].id}
    again = client.post(f"/kelola/kursus/{course.id}/pelatih/tambah", data={"user_id": str(others[7].id)})
    assert again.status_code == 303 and _trainer_ids(course) == before | {others[7].id}  # twice is once

    removed = client.post(f"/kelola/kursus/{course.id}/pelatih/{on_course[0].id}/lepas")
    assert removed.status_code == 303
    assert _trainer_ids(course) == (before | {others[7].id}) - {on_course[0].id}


def test_what_cannot_be_added_or_removed(many, client, login):
    course, on_course, others = many
    login(factories.user("admin"))
    participant = factories.user(full_name="Bukan Pelatih")
    inactive = factories.user("trainer", full_name="Pelatih Pensiun", active=False)
    db.session.commit()
    for bad in (participant.id, inactive.id, 999999):
        assert client.post(f"/kelola/kursus/{course.id}/pelatih/tambah", data={"user_id": str(bad)}).status_code == 404
    assert client.post(f"/kelola/kursus/{course.id}/pelatih/tambah", data={"user_id": "x"}).status_code == 404
    assert client.post(f"/kelola/kursus/{course.id}/pelatih/{others[0].id}/lepas").status_code == 404  # not on it
    assert len(_trainer_ids(course)) == 8


def test_a_removed_trainer_loses_the_editor_at_once(many, client, login, app):
    course, on_course, _others = many
    trainer_client = login(on_course[1], c=app.test_client())
    assert trainer_client.get(f"/kelola/kursus/{course.id}").status_code == 200
    login(factories.user("admin"))
    assert client.post(f"/kelola/kursus/{course.id}/pelatih/{on_course[1].id}/lepas").status_code == 303
    assert trainer_client.get(f"/kelola/kursus/{course.id}").status_code == 403
