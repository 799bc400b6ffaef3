"""A trainer sees the participants of the cohorts they train and, in the courses they teach, those of
their region — not every enrolment of a national course (phone numbers included), as before."""
import pytest

from kopedu.certificates import services as certificates
from kopedu.extensions import db
from kopedu.grading import gradebook as books
from kopedu.grading import services as grading
from kopedu.learning import services as learning
from kopedu.web import access
from tests import factories
from tests.regions.scope_world import two_dinas


@pytest.fixture
def w(app):
    return two_dinas()


def _names(rows):
    return {r.name if hasattr(r, "name") else r.user.full_name for r in rows}


def test_visible_enrollments_of_region_trainers(w):
    from sqlalchemy import select

    from kopedu.learning.models import Enrollment

    def seen(user):
        return set(db.session.scalars(select(Enrollment.id).where(access.visible_enrollments(user))))

    assert seen(w.trainer_kota) == {w.e_kota.id}
    assert seen(w.trainer_kab) == {w.e_kab.id}
    assert seen(w.admin_kota) == {w.e_kota.id} and seen(w.national) == {w.e_kota.id, w.e_kab.id}
    # a trainer without a region is national for the courses they teach
    national_trainer = factories.trainer_of(w.course, full_name="Pelatih Nasional")
    assert seen(national_trainer) == {w.e_kota.id, w.e_kab.id}
    # a participant of the trainer's own cohort who lives elsewhere is still theirs
    guest, e_guest = factories.participant_in(w.cohort_kota, "5303100005", full_name="Tamu dari Kabupaten")
    assert seen(w.trainer_kota) == {w.e_kota.id, e_guest.id}


def test_gradebook_prepost_and_certificate_lists_of_a_region_trainer(w):
    book = books.gradebook(w.course, viewer=w.trainer_kota)
    assert [r.name for r in book.rows] == ["Peserta Kota"]
    assert [c.id for c in book.cohorts] == [w.cohort_kota.id]  # (id, name) rows of the selector
    report = learning.pre_post_report(w.course, viewer=w.trainer_kota)
    assert [r.enrollment.user.full_name for r in report.rows] == ["Peserta Kota"]
    _pagination, rows = certificates.course_participants(w.course, viewer=w.trainer_kota)
    assert [e.user.full_name for e, _cert in rows] == ["Peserta Kota"]
    # the cohort filter cannot reach the other region's cohort either
    assert books.gradebook(w.course, w.cohort_kab.id, viewer=w.trainer_kota).rows == []


def test_pages_of_the_trainer_of_a_national_course(w, client, login):
    """The reported case: every enrolment, with phone numbers, on the course's staff pages."""
    login(w.trainer_kota)
    for path in (f"/penilaian/kursus/{w.course.id}", f"/penilaian/kursus/{w.course.id}/buku-nilai.csv",
                 f"/kursus/{w.course.slug}/pre-post", f"/sertifikat/kursus/{w.course.id}",
                 f"/penilaian/kursus/{w.course.id}?angkatan={w.cohort_kab.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        assert "Peserta Kabupaten" not in body and "1211110002" not in body, path
    body = client.get(f"/penilaian/kursus/{w.course.id}").get_data(as_text=True)
    assert "Peserta Kota" in body
    # nor one participant of the other region by id
    assert client.get(f"/sertifikat/kursus/{w.course.id}/terbitkan/{w.e_kab.id}").status_code == 403
    assert client.get(f"/pantau/peserta/{w.kab.id}").status_code == 403


def test_submissions_of_another_region_are_not_a_trainers(w, client, login):
    import io

    from werkzeug.datastructures import FileStorage

    from tests.grading import samples

    assignment = factories.assignment(w.course)
    db.session.commit()
    version = grading.submit(assignment, w.e_kab, text="Rencana", upload_dir=client.application.config["UPLOAD_DIR"],
                             files=[FileStorage(io.BytesIO(samples.pdf()), filename="rencana.pdf")])
    db.session.commit()
    submission = version.submission
    assert not grading.can_grade(w.trainer_kota, submission) and grading.can_grade(w.trainer_kab, submission)
    login(w.trainer_kota)
    assert client.get(f"/penilaian/{submission.id}").status_code == 403
    assert "Peserta Kabupaten" not in client.get("/penilaian?status=").get_data(as_text=True)
    file = version.files[0]
    assert client.get(f"/tugas/berkas/{file.id}/rencana.pdf").status_code == 404
