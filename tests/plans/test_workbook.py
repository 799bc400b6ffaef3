"""The workbook through its routes: start and copy, field saves (once per client id), the finance preview,
"Kirim ke pelatih", the trainer's review with notes per step, documents, and who may see what."""
import subprocess

import pytest
from sqlalchemy import func, select

from kopedu.extensions import db
from kopedu.grading import services as grading
from kopedu.grading.models import Submission, SubmissionVersion
from kopedu.plans.models import BusinessPlan, BusinessPlanSnapshot
from tests.plans.conftest import complete_data, flat_fields


def _start(client, wb, **form):
    response = client.post(f"/rencana/tugas/{wb.lesson.id}/mulai", data=form)
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return db.session.scalar(select(BusinessPlan).where(BusinessPlan.user_id == wb.owner.id)) if not form else None


class _Htmx:
    """The logged-in client, sending HX-Request (a fragment request of htmx)."""

    def __init__(self, client):
        self.client = client

    def post(self, *args, **kwargs):
        return self.client.post(*args, headers={"HX-Request": "true"}, **kwargs)

    def get(self, *args, **kwargs):
        return self.client.get(*args, headers={"HX-Request": "true"}, **kwargs)


def _plan_of(user):
    return db.session.scalar(select(BusinessPlan).where(BusinessPlan.user_id == user.id))


def _fill(plan):
    plan.data = complete_data()
    db.session.commit()


def _grade_form(wb, submission, outcome, **extra):
    form = {"version": str(submission.latest_version.number), "outcome": outcome, **extra}
    for criterion in wb.assignment.criteria:
        form[f"c-{criterion.id}"] = str(max(int(level["points"]) for level in criterion.levels))
    return form


def test_a_participant_starts_one_workbook_and_comes_back_to_it(wb, client, login):
    login(wb.owner)
    assert "Buka buku kerja" in client.get(f"/tugas/{wb.lesson.id}").get_data(as_text=True)
    page = client.get(f"/rencana/tugas/{wb.lesson.id}")
    assert page.status_code == 200 and "Mulai rencana baru" in page.get_data(as_text=True)
    plan = _start(client, wb)
    _start(client, wb)  # a second click: still one workbook
    assert db.session.scalar(select(func.count()).select_from(BusinessPlan)) == 1
    again = client.get(f"/rencana/tugas/{wb.lesson.id}")
    assert again.status_code == 303 and again.headers["Location"].endswith(f"/rencana/{plan.id}")
    overview = client.get(f"/rencana/{plan.id}").get_data(as_text=True)
    assert "0 dari 10 langkah lengkap" in overview
    step = client.get(f"/rencana/{plan.id}/langkah/keuangan").get_data(as_text=True)
    assert "Koperasi Kelurahan Merah Putih Oebufu" in step and "Aplikasi menghitung sisanya" in step


def test_a_field_saves_on_its_own_and_a_replay_is_applied_once(wb, client, htmx_client, login):
    login(wb.owner)
    plan = _start(client, wb)
    htmx_client = _Htmx(client)
    url = f"/rencana/{plan.id}/simpan"
    saved = htmx_client.post(url, data={"profil.nama_usaha": "Gerai sembako"})
    assert saved.status_code == 200 and "Tersimpan" in saved.get_data(as_text=True)
    assert len(saved.get_data()) < 200
    # through the one queue of kopedu.learning.sync: an id is applied once, the newest choice per field wins
    old = {"profil.nama_usaha": "Gerai sembako", "client_id": "zzzzzzzz12345678", "chosen_at": "1765000000000"}
    first = htmx_client.post(url, data=old)
    assert first.headers["KopEdu-Write"] == "applied"
    again = htmx_client.post(url, data=old)
    assert again.status_code == 200 and again.headers["KopEdu-Write"] == "replay"
    htmx_client.post(url, data={"profil.nama_usaha": "Gerai baru", "client_id": "yyyyyyyy12345678",
                                "chosen_at": "1765000060000"})
    late = htmx_client.post(url, data=old)  # the older choice arriving after the newer one
    assert late.status_code == 200 and late.headers["KopEdu-Write"] == "superseded"
    assert "sudah tersimpan" in late.get_data(as_text=True)
    db.session.expire_all()
    assert _plan_of(wb.owner).data["profil"]["nama_usaha"] == "Gerai baru"
    row = htmx_client.post(url, data={"rencana_aksi.rows.4.kegiatan": "Rapat evaluasi"})
    assert row.status_code == 200
    db.session.expire_all()
    rows = _plan_of(wb.owner).data["rencana_aksi"]["rows"]
    assert len(rows) == 5 and rows[4] == {"kegiatan": "Rapat evaluasi"}


def test_bad_field_saves_are_refused_with_a_message(wb, client, htmx_client, login):
    login(wb.owner)
    plan = _start(client, wb)
    htmx_client = _Htmx(client)
    url = f"/rencana/{plan.id}/simpan"
    assert htmx_client.post(url, data={"profil.password": "x"}).status_code == 400
    assert htmx_client.post(url, data={"rencana_aksi.rows.99.kegiatan": "x"}).status_code == 400
    too_long = htmx_client.post(url, data={"profil.nama_usaha": "x" * 201})
    assert too_long.status_code == 422 and "paling banyak 200" in too_long.get_data(as_text=True)
    assert htmx_client.post(url, data={"profil.nama_usaha": "ok", "client_id": "bad id!"}).status_code == 400


def test_the_whole_step_saves_without_javascript(wb, client, login):
    login(wb.owner)
    plan = _start(client, wb)
    response = client.post(f"/rencana/{plan.id}/simpan", data={
        "profil.nama_usaha": "Gerai", "profil.ringkasan": "Sembako", "lanjut": "potensi"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/langkah/potensi")
    db.session.expire_all()
    assert _plan_of(wb.owner).data["profil"] == {"nama_usaha": "Gerai", "ringkasan": "Sembako"}


def test_the_money_is_computed_as_the_participant_types(wb, client, htmx_client, login):
    login(wb.owner)
    plan = _start(client, wb)
    htmx_client = _Htmx(client)
    args = flat_fields({"keuangan": complete_data()["keuangan"]})
    result = htmx_client.get(f"/rencana/{plan.id}/keuangan/hitung", query_string=args)
    html = result.get_data(as_text=True)
    assert result.status_code == 200 and 'id="finance-result"' in html
    assert "Rp46.500.000" in html and "Rp40.250.000" in html and "Rp1.548.000" in html
    assert "masih bisa dibayar" in html
    # nothing was saved by computing
    db.session.expire_all()
    assert not _plan_of(wb.owner).data
    wrong = htmx_client.get(f"/rencana/{plan.id}/keuangan/hitung", query_string={"keuangan.sewa": "1.000,50"})
    assert "1 angka belum bisa dibaca" in wrong.get_data(as_text=True)


def test_sending_checks_every_step_and_loses_nothing(wb, client, htmx_client, login):
    login(wb.owner)
    plan = _start(client, wb)
    client.post(f"/rencana/{plan.id}/simpan", data={"profil.nama_usaha": "Gerai"})
    refused = client.post(f"/rencana/{plan.id}/kirim")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Langkah 1 Profil koperasi" in text and "Langkah 10 Rencana aksi tiga bulan" in text
    db.session.expire_all()
    assert _plan_of(wb.owner).data == {"profil": {"nama_usaha": "Gerai"}} and _plan_of(wb.owner).status == "draft"
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0

    _fill(_plan_of(wb.owner))
    sent = client.post(f"/rencana/{plan.id}/kirim")
    assert sent.status_code == 303
    db.session.expire_all()
    plan = _plan_of(wb.owner)
    submission = grading.submission_of(wb.assignment.id, wb.owner.id)
    assert plan.status == "submitted" and submission.status == "menunggu" and submission.version_count == 1
    snapshot = db.session.scalar(select(BusinessPlanSnapshot))
    assert snapshot.version_id == submission.latest_version.id and snapshot.data == complete_data()
    assert "titik impas kas Rp46.500.000" in submission.latest_version.text
    # locked while the trainer has it
    htmx_client = _Htmx(client)
    locked = htmx_client.post(f"/rencana/{plan.id}/simpan", data={"profil.nama_usaha": "Lain"})
    assert locked.status_code == 409 and "sudah dikirim" in locked.get_data(as_text=True)
    assert client.post(f"/rencana/{plan.id}/kirim").status_code == 409


def test_returned_with_notes_fixed_resent_and_passed(wb, client, login, app):
    login(wb.owner)
    plan = _start(client, wb)
    _fill(plan)
    assert client.post(f"/rencana/{plan.id}/kirim").status_code == 303
    trainer = login(wb.trainer, c=app.test_client())
    submission = grading.submission_of(wb.assignment.id, wb.owner.id)
    grade_page = trainer.get(f"/penilaian/{submission.id}")
    assert "Buka buku kerja di samping rubrik" in grade_page.get_data(as_text=True)
    bridge = trainer.get(f"/rencana/kiriman/{submission.id}")
    assert bridge.headers["Location"].endswith(f"/rencana/{plan.id}/penilaian")
    review = trainer.get(f"/rencana/{plan.id}/penilaian").get_data(as_text=True)
    assert "Rp46.500.000" in review and 'href="#langkah-keuangan"' in review and "Catatan untuk langkah ini" in review

    returned = trainer.post(f"/rencana/{plan.id}/nilai", data=_grade_form(
        wb, submission, "perlu_revisi", **{"note-risiko": "Tambah risiko kas macet."}))
    assert returned.status_code == 303, returned.get_data(as_text=True)[:500]
    db.session.expire_all()
    plan = _plan_of(wb.owner)
    assert plan.status == "returned"
    assert db.session.scalar(select(BusinessPlanSnapshot)).notes == {"risiko": "Tambah risiko kas macet."}
    step = client.get(f"/rencana/{plan.id}/langkah/risiko").get_data(as_text=True)
    assert "Catatan pelatih:" in step and "Tambah risiko kas macet." in step

    fixed = client.post(f"/rencana/{plan.id}/simpan", data={
        "risiko.rows.3.risiko": "Kas macet", "risiko.rows.3.pencegahan": "Batasi utang anggota"})
    assert fixed.status_code == 303
    assert client.post(f"/rencana/{plan.id}/kirim").status_code == 303
    db.session.expire_all()
    submission = grading.submission_of(wb.assignment.id, wb.owner.id)
    assert submission.version_count == 2
    snapshots = list(db.session.scalars(select(BusinessPlanSnapshot).order_by(BusinessPlanSnapshot.id)))
    assert len(snapshots[0].data["risiko"]["rows"]) == 3 and len(snapshots[1].data["risiko"]["rows"]) == 4

    passed = trainer.post(f"/rencana/{plan.id}/nilai", data=_grade_form(wb, submission, "lulus"))
    assert passed.status_code == 303
    db.session.expire_all()
    plan = _plan_of(wb.owner)
    assert plan.status == "passed" and plan.passed_at is not None
    enrollment = wb.enrollment
    db.session.refresh(enrollment)
    assert grading.assignments_passed(enrollment)


def test_grading_from_the_queue_also_moves_the_workbook(wb, client, login, app):
    login(wb.owner)
    plan = _start(client, wb)
    _fill(plan)
    client.post(f"/rencana/{plan.id}/kirim")
    trainer = login(wb.trainer, c=app.test_client())
    submission = grading.submission_of(wb.assignment.id, wb.owner.id)
    response = trainer.post(f"/penilaian/{submission.id}/nilai", data=_grade_form(
        wb, submission, "perlu_revisi", feedback="Perbaiki keuangan."))
    assert response.status_code == 303
    db.session.expire_all()
    assert _plan_of(wb.owner).status == "returned"


def test_a_colleague_of_the_same_cooperative_may_start_from_a_copy(wb, client, login, app):
    login(wb.owner)
    plan = _start(client, wb)
    _fill(plan)
    colleague = login(wb.colleague, c=app.test_client())
    page = colleague.get(f"/rencana/tugas/{wb.lesson.id}").get_data(as_text=True)
    assert "Salin dari rencana Yuliana Ndun" in page
    assert colleague.post(f"/rencana/tugas/{wb.lesson.id}/mulai", data={"dari": plan.id}).status_code == 303
    copied = _plan_of(wb.colleague)
    assert copied.data == complete_data() and copied.copied_from_id == plan.id and copied.status == "draft"
    stranger = login(wb.stranger, c=app.test_client())
    assert "Salin dari" not in stranger.get(f"/rencana/tugas/{wb.lesson.id}").get_data(as_text=True)
    assert stranger.post(f"/rencana/tugas/{wb.lesson.id}/mulai", data={"dari": plan.id}).status_code == 403
    assert _plan_of(wb.stranger) is None


def test_who_may_see_a_workbook(wb, client, login, app):
    login(wb.owner)
    plan = _start(client, wb)
    _fill(plan)
    urls = [f"/rencana/{plan.id}", f"/rencana/{plan.id}/langkah/keuangan", f"/rencana/{plan.id}/keuangan/hitung",
            f"/rencana/{plan.id}/rencana-bisnis.pdf", f"/rencana/{plan.id}/rencana-bisnis.docx"]
    clients = {name: login(getattr(wb, name), c=app.test_client())
               for name in ("colleague", "stranger", "trainer", "trainer_other", "observer", "observer_other")}
    for url in urls:
        for name, expect in (("colleague", 404), ("stranger", 404), ("trainer", 200), ("trainer_other", 404),
                             ("observer", 404), ("observer_other", 404)):
            assert clients[name].get(url).status_code == expect, (url, name)
    client.post(f"/rencana/{plan.id}/kirim")
    for url in urls:  # once sent: the observer of the region reads it, nobody else new
        assert clients["observer"].get(url).status_code == 200, url
        assert clients["observer_other"].get(url).status_code == 404, url
        assert clients["stranger"].get(url).status_code == 404, url
    assert clients["observer"].post(f"/rencana/{plan.id}/simpan", data={"profil.nama_usaha": "x"}).status_code == 403
    assert clients["trainer"].post(f"/rencana/{plan.id}/kirim").status_code == 403
    assert clients["observer"].get(f"/rencana/{plan.id}/penilaian").status_code == 403
    assert clients["trainer_other"].get(f"/rencana/{plan.id}/penilaian").status_code == 403


def test_the_pdf_and_docx_carry_the_calculators_figures(wb, client, login, tmp_path):
    login(wb.owner)
    plan = _start(client, wb)
    _fill(plan)
    pdf = client.get(f"/rencana/{plan.id}/rencana-bisnis.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert "rencana-bisnis-koperasi-kelurahan-merah-putih-oebufu.pdf" in pdf.headers["Content-Disposition"]
    path = tmp_path / "plan.pdf"
    path.write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "Rencana Bisnis Koperasi Kelurahan Merah Putih Oebufu" in text
    assert "Titik impas kas" in text and "Rp46.500.000" in text
    assert "Rp1.548.000" in text and "Rencana aksi tiga bulan" in text and "WhatsApp Business dan QRIS" in text

    import io

    from docx import Document

    docx = client.get(f"/rencana/{plan.id}/rencana-bisnis.docx")
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.data))
    cells = " ".join(cell.text for table in document.tables for row in table.rows for cell in row.cells)
    assert "Rp46.500.000" in cells and "Rapat Anggota" in cells


@pytest.mark.parametrize("step", ["profil", "keuangan", "rencana_aksi"])
def test_a_step_page_stays_small(wb, client, login, step):
    login(wb.owner)
    plan = _start(client, wb)
    _fill(plan)
    page = client.get(f"/rencana/{plan.id}/langkah/{step}", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert len(page.data) <= 30 * 1024
