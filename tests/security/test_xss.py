"""XSS: Markdown and names with <script>, javascript: links, on* attributes and <img onerror> come out
inert on every page that shows them; spreadsheet exports keep formulas from users as text."""
import csv
import io
import shutil
import subprocess
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from kopedu.extensions import db
from tests import factories
from tests.security.checks import assert_inert

NAME = '<script>alert("nama")</script> Yuliana'
COOP = 'Koperasi <img src=x onerror=alert("koperasi")>'
TITLE = '<script>alert("judul")</script> Kursus Tata Kelola'
LESSON_TITLE = '<svg onload=alert("pelajaran")>Pelajaran'
BODY = """# Isi pelajaran

<script>alert("isi")</script>

[tautan](javascript:alert(1)) dan [tautan kedua](JaVaScRiPt:alert(2)) dan [spasi]( javascript:alert(3))

![gambar](javascript:alert(4))

<img src="x" onerror="alert(5)">

<a href="#" onclick="alert(6)">klik</a>

<iframe src="javascript:alert(7)"></iframe>

[data](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)

Teks **tebal** tetap tebal.
"""
FEEDBACK = 'Bagus. <script>alert("umpan")</script> [lihat](javascript:alert(9)) <img src=x onerror=alert(10)>'
ANSWER = '<script>alert("jawaban")</script> Rencana kios'
QUESTION = '<img src=x onerror=alert("soal")> Organ tertinggi?'
CHOICE = '<script>alert("pilihan")</script>Rapat Anggota'


@pytest.fixture
def xworld(app, regions):
    return _xworld(app)


def _xworld(app):
    from kopedu.grading import services as grading

    coop = factories.cooperative("5371030011", name=COOP)
    course = factories.course(title=TITLE, description=BODY, lessons=2, self_enroll=True)
    lesson = course.modules[0].lessons[0]
    lesson.title = LESSON_TITLE
    lesson.body = BODY
    trainer = factories.trainer_of(course, full_name='<script>alert("pelatih")</script> Maria', region_code="5371")
    cohort = factories.cohort(course, trainers=[trainer], name='<script>alert("angkatan")</script> Angkatan 1')
    participant, enrollment = factories.participant_in(cohort, cooperative=coop, full_name=NAME)
    quiz_lesson = factories.quiz_lesson(course.modules[0])
    quiz_lesson.body = BODY
    quiz = quiz_lesson.quiz
    quiz.questions[0].text = QUESTION
    quiz.questions[0].choices[0].text = CHOICE
    assignment = factories.assignment(course)
    admin = factories.user("admin")
    observer = factories.user("observer", region_code="5371030")
    version = grading.submit(assignment, enrollment, text=ANSWER, files=[], upload_dir=app.config["UPLOAD_DIR"])
    grading.grade(version.submission, trainer, version_number=1,
                  levels={c.id: 2 for c in assignment.criteria}, outcome="perlu_revisi", feedback=FEEDBACK)
    db.session.commit()
    return SimpleNamespace(coop=coop, course=course, lesson=lesson, trainer=trainer, cohort=cohort,
                           participant=participant, enrollment=enrollment, quiz=quiz, quiz_lesson=quiz_lesson,
                           assignment=assignment, submission=version.submission, admin=admin, observer=observer)


def _page(client, path, status=200):
    response = client.get(path)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def test_markdown_and_titles_are_inert_on_the_lesson_and_course_pages(client, login, xworld):
    login(xworld.participant)
    slug = xworld.course.slug
    html = _page(client, f"/kursus/{slug}/pelajaran/{xworld.lesson.id}")
    assert_inert(html, TITLE, LESSON_TITLE, 'alert("isi")')
    assert "<strong>tebal</strong>" in html  # Markdown still works
    html = _page(client, f"/kursus/{slug}")
    assert_inert(html, TITLE, 'alert("isi")')
    assert_inert(_page(client, "/kursus"), TITLE)
    assert_inert(_page(client, "/beranda"), NAME, TITLE)


def test_quiz_instructions_questions_and_choices_are_inert(client, login, xworld):
    login(xworld.participant)
    response = client.post(f"/kuis/{xworld.quiz.id}/mulai")
    assert response.status_code == 303
    html = _page(client, response.headers["Location"])
    assert_inert(html, QUESTION, CHOICE)
    html = _page(client, f"/kursus/{xworld.course.slug}/pelajaran/{xworld.quiz_lesson.id}")
    assert_inert(html, 'alert("isi")')


def test_feedback_and_answers_are_inert_for_participant_and_trainer(client, login, xworld, app):
    login(xworld.participant)
    html = _page(client, f"/tugas/{xworld.assignment.lesson.id}")
    assert_inert(html, 'alert("umpan")', ANSWER)
    trainer = login(xworld.trainer, c=app.test_client())
    assert_inert(_page(trainer, f"/penilaian/{xworld.submission.id}"), NAME, ANSWER, 'alert("umpan")')
    assert_inert(_page(trainer, "/penilaian?status="), NAME)
    assert_inert(_page(trainer, f"/penilaian/kursus/{xworld.course.id}"), NAME, "Koperasi <img")


def test_authoring_preview_is_inert(client, login, xworld):
    login(xworld.trainer)
    response = client.post("/kelola/pratinjau", data={"body": BODY})
    assert response.status_code == 200
    assert_inert(response.get_data(as_text=True), 'alert("isi")')
    assert_inert(_page(client, f"/kelola/pelajaran/{xworld.lesson.id}"), LESSON_TITLE)
    assert_inert(_page(client, f"/kelola/kursus/{xworld.course.id}"), LESSON_TITLE)


def test_staff_pages_show_names_as_text(client, login, xworld, app):
    login(xworld.admin)
    assert_inert(_page(client, "/admin/pengguna"), NAME)
    assert_inert(_page(client, f"/angkatan/{xworld.cohort.id}"), NAME, 'alert("angkatan")')
    assert_inert(_page(client, f"/sertifikat/kursus/{xworld.course.id}"), NAME)
    observer = login(xworld.observer, c=app.test_client())
    assert_inert(_page(observer, f"/pantau/koperasi/{xworld.coop.id}"), "Koperasi <img", NAME)
    assert_inert(_page(observer, f"/pantau/peserta/{xworld.participant.id}"), NAME)
    assert_inert(_page(observer, "/pantau/wilayah/5371030011"), "Koperasi <img")


def test_certificate_verify_page_and_pdf_show_the_name_as_text(client, xworld, app):
    from kopedu.certificates import codes, services

    from kopedu.certificates import jobs

    certificate = services.issue(xworld.enrollment, by=xworld.admin, reason="Uji XSS")
    db.session.commit()
    assert jobs.wait_for_workers(60)  # the PDF is rendered after the commit
    html = _page(client, f"/verifikasi/{codes.display(certificate.verify_code)}")
    assert_inert(html, NAME, TITLE)
    if shutil.which("pdftotext") is None:  # pragma: no cover - poppler-utils is on the CI machines
        pytest.skip("pdftotext is not installed")
    pdf = services.pdf_file(certificate.pdf_path).read_bytes()
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    flat = " ".join(text.split())
    assert 'alert("nama")' in flat  # the name was printed as text, not parsed as a <script> element


# --------------------------------------------------------------------------- spreadsheet formulas

FORMULAS = ['=HYPERLINK("http://evil.example","klik")', "+1+1", "-1+1", "@SUM(1,1)"]


def _csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";") for cell in row]


def _xlsx_cells(data: bytes) -> list:
    sheet = load_workbook(io.BytesIO(data)).active
    cells = [cell for row in sheet.iter_rows() for cell in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"], "formula cells in the export"
    # XLSX: the text as typed, in a text cell (checked above); CSV: a leading apostrophe.
    return ["'" + c.value if isinstance(c.value, str) and c.value[:1] in "=+-@" else c.value for c in cells]


def _check_export(cells, names):
    for name in names:
        assert "'" + name in cells, f"{name!r} missing or not neutralised"
        assert name not in cells
    assert not [c for c in cells if isinstance(c, str) and c[:1] in ("=", "+", "@")]


@pytest.fixture
def formula_people(xworld):
    people = []
    for formula in FORMULAS:
        user, _e = factories.participant_in(xworld.cohort, cooperative=xworld.coop, full_name=formula)
        people.append(user)
    xworld.coop.name = "=CMD|' /C calc'!A0"
    db.session.commit()
    return people


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_gradebook_export_neutralises_formulas(client, login, xworld, formula_people, fmt):
    login(xworld.trainer)
    response = client.get(f"/penilaian/kursus/{xworld.course.id}/buku-nilai.{fmt}")
    assert response.status_code == 200
    cells = _csv_cells(response.data) if fmt == "csv" else _xlsx_cells(response.data)
    _check_export(cells, FORMULAS + ["=CMD|' /C calc'!A0"])


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_monitoring_exports_neutralise_formulas(client, login, xworld, formula_people, fmt):
    login(xworld.admin)
    for path in (f"/pantau/koperasi/{xworld.coop.id}/ekspor.{fmt}", f"/pantau/tertinggal/ekspor.{fmt}?ambang=100"):
        response = client.get(path)
        assert response.status_code == 200, path
        cells = _csv_cells(response.data) if fmt == "csv" else _xlsx_cells(response.data)
        _check_export(cells, FORMULAS)
    response = client.get(f"/pantau/peserta/{formula_people[0].id}/ekspor.{fmt}")
    cells = _csv_cells(response.data) if fmt == "csv" else _xlsx_cells(response.data)
    _check_export(cells, FORMULAS[:1])


def test_rejected_import_rows_csv_neutralises_formulas(client, login, xworld, app):
    from kopedu.cohorts import importer

    data = ("nama,hp,email,jabatan,kelurahan,koperasi\n"
            '"=HYPERLINK(""http://evil.example"")",12345,,Ketua,5371030011,\n').encode()
    record = importer.store_upload(xworld.cohort, data, "peserta.csv", xworld.admin)
    db.session.commit()
    login(xworld.admin)
    response = client.get(f"/angkatan/{xworld.cohort.id}/impor/{record.id}/ditolak.csv")
    assert response.status_code == 200
    cells = _csv_cells(response.data)
    assert "'=HYPERLINK(\"http://evil.example\")" in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    html = _page(client, f"/angkatan/{xworld.cohort.id}/impor/{record.id}")
    assert_inert(html, '=HYPERLINK("http://evil.example")')


def test_upload_name_with_markup_is_shown_as_text(client, login, xworld, app):
    """A file name is user input too: the submission page shows it as text."""
    from tests.grading import samples

    login(xworld.participant)
    name = "<img src=x onerror=alert('berkas')>.pdf"
    response = client.post(f"/tugas/{xworld.assignment.lesson.id}/kirim",
                           data={"text": "", "files": (io.BytesIO(samples.pdf()), name)},
                           content_type="multipart/form-data")
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    html = _page(client, f"/tugas/{xworld.assignment.lesson.id}")
    assert_inert(html, name)
