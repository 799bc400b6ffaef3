"""Evaluasi penyelenggaraan: offered on Beranda after the cohort's last session, answered once, anonymous to
trainers (totals only, and only from three answers), as a page, a PDF for the laporan and XLSX/CSV."""
import io
import subprocess
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from kopedu.evaluations.models import TrainingEvaluation
from kopedu.extensions import db
from tests import factories


@pytest.fixture
def bimtek(app):
    course = factories.course(lessons=1, title="Penguatan Kapasitas Pengurus")
    trainers = [factories.user("trainer", full_name="Maria Seran"), factories.user("trainer", full_name="Agus Lay")]
    cohort = factories.cohort(course, trainers=trainers, code="KPG-1", name="Angkatan Kupang 1")
    factories.cohort_session(cohort, held_on=date.today() - timedelta(days=7))
    last = factories.cohort_session(cohort, held_on=date.today() - timedelta(days=1))
    people = [factories.participant_in(cohort, full_name=f"Peserta {n}")[0] for n in range(4)]
    db.session.commit()
    return {"course": course, "cohort": cohort, "trainers": trainers, "people": people, "last": last}


def answers(bimtek, materi="4", comment="Contoh kasus koperasi sangat membantu."):
    data = {"rating-materi": materi, "comment-materi": comment, "rating-penyelenggaraan": "3",
            "comment-penyelenggaraan": "Ruangan panas."}
    for n, trainer in enumerate(bimtek["trainers"]):
        data[f"rating-trainer-{trainer.id}"] = str(5 - n)
    return data


def person(app, login, user):
    return login(user, c=app.test_client())


def test_offered_on_beranda_after_the_last_session_and_answered_once(app, login, bimtek):
    cohort, first = bimtek["cohort"], bimtek["people"][0]
    client = person(app, login, first)
    assert "Isi evaluasi" in client.get("/beranda").get_data(as_text=True)
    url = f"/angkatan/{cohort.id}/evaluasi"
    page = client.get(url).get_data(as_text=True)
    assert "Narasumber Maria Seran" in page and "Narasumber Agus Lay" in page and "tanpa nama" in page
    response = client.post(url, data=answers(bimtek))
    assert response.status_code == 303
    assert "Isi evaluasi" not in client.get("/beranda").get_data(as_text=True)
    assert "sudah mengisi" in client.get(url).get_data(as_text=True)
    client.post(url, data=answers(bimtek, materi="1"))  # a second answer changes nothing
    assert db.session.scalar(select(func.count(TrainingEvaluation.id))) == 1
    stored = db.session.scalar(select(TrainingEvaluation.answers))
    assert stored["materi"] == {"rating": 4, "comment": "Contoh kasus koperasi sangat membantu."}


def test_not_open_before_the_last_session(app, login, bimtek):
    bimtek["last"].held_on = date.today() + timedelta(days=3)
    db.session.commit()
    client = person(app, login, bimtek["people"][0])
    assert "Isi evaluasi" not in client.get("/beranda").get_data(as_text=True)
    response = client.get(f"/angkatan/{bimtek['cohort'].id}/evaluasi")
    assert response.status_code == 409 and "dibuka setelah sesi terakhir" in response.get_data(as_text=True)


@pytest.mark.parametrize("change", [{"rating-materi": ""}, {"rating-materi": "6"}, {"rating-penyelenggaraan": "x"},
                                    {"comment-materi": "a" * 1001}])
def test_bad_answers_are_refused_with_a_message_and_nothing_kept(app, login, bimtek, change):
    client = person(app, login, bimtek["people"][0])
    response = client.post(f"/angkatan/{bimtek['cohort'].id}/evaluasi", data={**answers(bimtek), **change})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Pilih nilai 1 sampai 5." in html or "terlalu panjang" in html
    assert db.session.scalar(select(func.count(TrainingEvaluation.id))) == 0


def test_only_the_cohorts_participants_answer(app, login, bimtek):
    outsider = factories.user(full_name="Bukan Peserta")
    db.session.commit()
    client = person(app, login, outsider)
    assert client.get(f"/angkatan/{bimtek['cohort'].id}/evaluasi").status_code == 404
    client = person(app, login, bimtek["trainers"][0])
    assert client.post(f"/angkatan/{bimtek['cohort'].id}/evaluasi", data=answers(bimtek)).status_code == 404


def test_results_wait_for_three_answers_then_show_totals_without_names(app, login, bimtek):
    cohort, people = bimtek["cohort"], bimtek["people"]
    url = f"/angkatan/{cohort.id}/evaluasi"
    for n, who in enumerate(people[:2]):
        person(app, login, who).post(url, data=answers(bimtek, materi=str(5 - n), comment=f"Catatan {n}"))
    trainer = person(app, login, bimtek["trainers"][0])
    page = trainer.get(url + "/hasil").get_data(as_text=True)
    assert "2 dari 4 peserta mengisi." in page and "paling sedikit 3" in page and "Catatan 0" not in page
    assert trainer.get(url + "/hasil.pdf").status_code == 409
    person(app, login, people[2]).post(url, data=answers(bimtek, materi="3", comment=""))
    page = trainer.get(url + "/hasil").get_data(as_text=True)
    assert "3 dari 4 peserta mengisi." in page
    assert "Rata-rata 4,00 dari 5" in page  # materi: 5, 4, 3
    assert "Catatan 0" in page and "Catatan 1" in page
    assert all(p.full_name not in page for p in people)  # nobody's name beside an answer
    assert "Narasumber: Maria Seran" in page and "Narasumber: Agus Lay" in page


def test_the_report_as_pdf_and_xlsx(app, login, bimtek, tmp_path):
    cohort, people = bimtek["cohort"], bimtek["people"]
    url = f"/angkatan/{cohort.id}/evaluasi"
    for who in people[:3]:
        person(app, login, who).post(url, data=answers(bimtek))
    admin = person(app, login, factories.user("admin"))
    pdf = admin.get(url + "/hasil.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    (tmp_path / "e.pdf").write_bytes(pdf.data)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "e.pdf"), "-"], capture_output=True,
                          text=True, check=True).stdout
    assert "HASIL EVALUASI PENYELENGGARAAN PELATIHAN" in text and "Angkatan Kupang 1" in text
    assert "3 dari 4 peserta mengisi" in text and "Ruangan panas." in text
    xlsx = admin.get(url + "/hasil.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    flat = [str(v) for row in rows for v in row if v is not None]
    assert "Materi" in flat and "Penyelenggaraan" in flat and "Narasumber: Maria Seran" in flat
    assert "Contoh kasus koperasi sangat membantu." in flat
