"""The gradebook: participants × pre-test, quizzes, assignments, post-test, progress, completion;
sorted by kelurahan; CSV and XLSX exports; bounded queries; trainers of the course only."""
import csv
import io
from datetime import datetime, timezone

import pytest
from openpyxl import load_workbook

from kopedu.courses.models import Lesson, Quiz
from kopedu.extensions import db
from kopedu.grading import services
from kopedu.learning.models import QuizAttempt
from tests import factories

HEADER = ["No", "Nama", "HP", "Jabatan", "Koperasi", "Kelurahan", "Kecamatan", "Pre-test (%)", "Kuis Modul 1 (%)",
          "Tugas rencana bisnis: status", "Tugas rencana bisnis (%)", "Post-test (%)", "Progres (%)", "Kehadiran (%)",
          "Selesai", "Tanggal selesai", "No. sertifikat", "Status sertifikat"]


def attempt(quiz, user, score, number=1):
    db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=user.id, number=number, score=score, passed=score >= 70,
                               submitted_at=datetime(2026, 11, 18, tzinfo=timezone.utc)))


@pytest.fixture
def book(app):
    from flask import current_app

    factories.kupang_regions()
    course = factories.course(title="Penguatan Kapasitas", slug="penguatan")
    module = course.modules[0]
    quiz_lesson = Lesson(slug="kuis", title="Kuis Modul 1", kind="quiz", position=9)
    module.lessons.append(quiz_lesson)
    db.session.flush()
    pre = Quiz(course=course, role="pretest", title="Pre-test")
    post = Quiz(course=course, role="posttest", title="Post-test")
    quiz = Quiz(course=course, lesson=quiz_lesson, role="lesson", title="Kuis Modul 1")
    db.session.add_all([pre, post, quiz])
    assignment = factories.assignment(course, title="Tugas rencana bisnis")
    trainer = factories.trainer_of(course)
    people = {}
    # created out of order: the gradebook sorts by kelurahan (Namosain, Oebufu, Sikumana)
    for name, position, village in (("Fransiska Kase", "Ketua", "5371020002"), ("Yuliana Ndun", "Ketua", "5371030011"),
                                    ("Abdul Rahman", "Sekretaris", "5371010011")):
        coop = factories.cooperative(village, name=f"Koperasi {name.split()[0]}")
        user = factories.user(full_name=name, position=position, cooperative_id=coop.id)
        people[name] = (user, factories.enrollment(user, course))
    yuliana, yuliana_enrollment = people["Yuliana Ndun"]
    attempt(pre, yuliana, 40.0)
    attempt(quiz, yuliana, 60.0)
    attempt(quiz, yuliana, 90.0, number=2)  # best attempt counts
    attempt(post, yuliana, 85.5)
    people["Abdul Rahman"][1].progress_pct = 30
    attempt(pre, people["Abdul Rahman"][0], 55.0)
    version = services.submit(assignment, yuliana_enrollment, text="Rencana.", files=[],
                              upload_dir=current_app.config["UPLOAD_DIR"])
    services.grade(version.submission, trainer, version_number=1, outcome="lulus", feedback="",
                   levels={c.id: 4 for c in assignment.criteria})
    # set after grading (which recounts progress from the lessons done) to stand for a finished course
    yuliana_enrollment.progress_pct = 100
    yuliana_enrollment.completed_at = datetime(2026, 11, 20, 3, tzinfo=timezone.utc)
    services.submit(assignment, people["Fransiska Kase"][1], text="Draf.", files=[],
                    upload_dir=current_app.config["UPLOAD_DIR"])
    factories.enrollment(factories.user("trainer"), course)  # not a participant: not in the book
    db.session.commit()
    return dict(course=course, trainer=trainer, people=people)


def test_gradebook_page_sorted_by_kelurahan(client, login, book):
    login(book["trainer"])
    html = client.get(f"/penilaian/kursus/{book['course'].id}").get_data(as_text=True)
    assert html.index("Abdul Rahman") < html.index("Yuliana Ndun") < html.index("Fransiska Kase")
    for title in ("Pre-test", "Kuis Modul 1", "Tugas rencana bisnis", "Post-test", "Progres", "Selesai"):
        assert f"<th>{title}</th>" in html
    assert "85.5%" in html and "Menunggu penilaian" in html and "3 peserta" in html


def test_xlsx_export_opens_with_openpyxl_and_holds_the_values(client, login, book):
    login(book["trainer"])
    response = client.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename=buku-nilai-penguatan.xlsx' in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert [r[1] for r in rows[1:]] == ["Abdul Rahman", "Yuliana Ndun", "Fransiska Kase"]
    abdul, yuliana, fransiska = rows[1:]
    assert abdul[0:2] == [1, "Abdul Rahman"] and abdul[2].startswith("08")
    assert abdul[3:8] == ["Sekretaris", "Koperasi Abdul", "Namosain", "Alak", 55]
    assert abdul[8:] == [None, None, None, None, 30, None, "Belum", None, None, "Belum terbit"]
    assert yuliana[:2] == [2, "Yuliana Ndun"] and yuliana[3:7] == ["Ketua", "Koperasi Yuliana", "Oebufu", "Oebobo"]
    assert yuliana[7:15] == [40, 90, "Lulus", 100, 85.5, 100, None, "Ya"]
    assert yuliana[15].date().isoformat() == "2026-11-20"
    assert fransiska[9:11] == ["Menunggu penilaian", None]


def test_csv_export(client, login, book):
    login(book["trainer"])
    response = client.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    # Excel with Indonesian settings: `;` between fields and a decimal comma.
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
    assert rows[0] == HEADER
    phone = book["people"]["Yuliana Ndun"][0].phone
    assert rows[2] == ["2", "Yuliana Ndun", "0" + phone[2:5] + "-" + phone[5:9] + "-" + phone[9:], "Ketua",
                       "Koperasi Yuliana", "Oebufu", "Oebobo", "40", "90", "Lulus", "100", "85,5", "100", "", "Ya",
                       "2026-11-20", "", "Belum terbit"]


def test_cohort_filter_and_column(client, login, book):
    first = factories.cohort(book["course"], name="Angkatan I")
    factories.cohort(book["course"], name="Angkatan II")
    book["people"]["Yuliana Ndun"][1].cohort_id = first.id
    db.session.commit()
    login(book["trainer"])
    html = client.get(f"/penilaian/kursus/{book['course'].id}?angkatan={first.id}").get_data(as_text=True)
    assert "Yuliana Ndun" in html and "Abdul Rahman" not in html and "1 peserta" in html
    sheet = load_workbook(io.BytesIO(client.get(
        f"/penilaian/kursus/{book['course'].id}/buku-nilai.xlsx?angkatan={first.id}").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][7] == "Angkatan" and rows[1][1] == "Yuliana Ndun" and rows[1][7] == "Angkatan I"
    assert len(rows) == 2


def test_gradebook_query_count_does_not_grow_with_participants(client, login, book, count_queries):
    login(book["trainer"])
    url = f"/penilaian/kursus/{book['course'].id}"
    with count_queries() as few:
        client.get(url)
        client.get(url + "/buku-nilai.xlsx")
    for n in range(15):
        user = factories.user(full_name=f"Peserta {n}", cooperative_id=factories.cooperative("5371030013").id)
        factories.enrollment(user, book["course"])
    db.session.commit()
    with count_queries() as many:
        assert "Peserta 14" in client.get(url).get_data(as_text=True)
        client.get(url + "/buku-nilai.xlsx")
    assert many.count == few.count


def test_only_the_course_trainers_and_admins_see_the_gradebook(client, login, book, app):
    other = factories.trainer_of(factories.course())
    db.session.commit()
    login(other)
    assert client.get(f"/penilaian/kursus/{book['course'].id}").status_code == 403
    assert client.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.xlsx").status_code == 403
    participant = app.test_client()
    login(book["people"]["Yuliana Ndun"][0], c=participant)
    assert participant.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.csv").status_code == 403
    admin = app.test_client()
    login(factories.user("admin"), c=admin)
    assert admin.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.csv").status_code == 200


def test_exports_do_not_carry_spreadsheet_formulas(client, login, book):
    user, _enrollment = book["people"]["Abdul Rahman"]
    user.full_name = '=HYPERLINK("http://contoh","Abdul")'
    db.session.commit()
    login(book["trainer"])
    sheet = load_workbook(io.BytesIO(client.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.xlsx").data)).active
    assert [cell.data_type for cell in sheet["B"]][1:] == ["s", "s", "s"]  # no formula cell
    assert sheet["B2"].value == '=HYPERLINK("http://contoh","Abdul")'  # text as typed, no apostrophe
    text = client.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.csv").get_data(as_text=True)
    assert ';"\'=HYPERLINK(""http://contoh"",""Abdul"")";' in text


def test_gradebook_shows_attendance_certificate_and_phone(client, login, book):
    from datetime import date

    from kopedu.certificates import services as certificates
    from kopedu.cohorts import services as cohorts

    cohort = factories.cohort(book["course"], name="Angkatan I")
    yuliana, enrollment = book["people"]["Yuliana Ndun"]
    enrollment.cohort_id = cohort.id
    sessions = [factories.cohort_session(cohort, held_on=date(2026, 11, d)) for d in (12, 13, 14)]
    db.session.flush()
    cohorts.set_attendance(sessions[0], enrollment, "present")
    cohorts.set_attendance(sessions[1], enrollment, "late")
    cohorts.set_attendance(sessions[2], enrollment, "excused")
    certificate = certificates.issue(enrollment, by=factories.user("admin"), reason="Uji buku nilai")
    db.session.commit()
    login(book["trainer"])
    html = client.get(f"/penilaian/kursus/{book['course'].id}").get_data(as_text=True)
    assert "67%" in html and certificate.serial in html and "Sah" in html
    assert yuliana.phone[2:5] in html and "page-wide" in html
    sheet = load_workbook(io.BytesIO(client.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.xlsx").data)).active
    header = [c.value for c in sheet[1]]
    row = [c.value for c in sheet[3]]
    assert row[1] == "Yuliana Ndun"
    assert row[header.index("Kehadiran (%)")] == 66.7
    assert row[header.index("No. sertifikat")] == certificate.serial
    assert row[header.index("Status sertifikat")] == "Sah"
    certificates.revoke(certificate, by=factories.user("admin"), reason="Salah nama")
    db.session.commit()
    sheet = load_workbook(io.BytesIO(client.get(f"/penilaian/kursus/{book['course'].id}/buku-nilai.xlsx").data)).active
    assert [c.value for c in sheet[3]][header.index("Status sertifikat")] == "Dicabut"
