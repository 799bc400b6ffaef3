"""Who must not see what: anonymous, not enrolled, another participant, another course's trainer, observers."""
import pytest
from sqlalchemy import func, select

from kopedu.extensions import db
from kopedu.learning.models import Enrollment, LessonProgress
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of

HX = {"HX-Request": "true"}


def test_anonymous_is_sent_to_login(client, course):
    url = lesson_url(course, lessons_of(course)[0])
    db.session.commit()
    response = client.get(url)
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
    response = client.post(url + "/selesai", headers=HX)
    assert response.status_code == 401 and "/masuk" in response.headers["HX-Redirect"]


def test_not_enrolled_participant_cannot_open_lessons_of_a_closed_course(client, login, course):
    outsider = factories.user()
    db.session.commit()
    login(outsider)
    first = lessons_of(course)[0]
    assert client.get(lesson_url(course, first)).status_code == 403
    assert client.post(lesson_url(course, first, "/selesai")).status_code == 403
    assert client.post(f"/kursus/{course.slug}/daftar").status_code == 403  # no self-enrolment here
    page = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    assert "lewat angkatan" in page and "Daftar di kursus ini" not in page
    assert db.session.scalar(select(func.count(Enrollment.id))) == 0
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0


def test_open_course_asks_to_enrol_then_opens(client, login):
    course = factories.course(lessons=2, self_enroll=True)
    user = factories.user()
    db.session.commit()
    login(user)
    first = lessons_of(course)[0]
    response = client.get(lesson_url(course, first))
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/kursus/{course.slug}")
    assert "Daftar di kursus ini" in client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    assert client.post(f"/kursus/{course.slug}/daftar").status_code == 303
    assert client.post(f"/kursus/{course.slug}/daftar").status_code == 303  # twice: still one enrolment
    assert db.session.scalar(select(func.count(Enrollment.id))) == 1
    assert client.get(lesson_url(course, first)).status_code == 200
    assert "Lanjutkan belajar" in client.get(f"/kursus/{course.slug}").get_data(as_text=True)


def test_unpublished_course_is_hidden_from_participants(client, login):
    course = factories.course(lessons=1, published=False)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    assert client.get(f"/kursus/{course.slug}").status_code == 404
    assert client.get(lesson_url(course, lessons_of(course)[0])).status_code == 404


def test_lesson_of_another_course_is_not_found(client, login, course, participant):
    other = factories.course(lessons=1)
    db.session.commit()
    login(participant)
    assert client.get(lesson_url(course, lessons_of(other)[0])).status_code == 404
    assert client.post(lesson_url(course, lessons_of(other)[0], "/selesai")).status_code == 404


def test_trainer_previews_every_lesson_without_recording_progress(client, login, course):
    trainer = factories.user("trainer")
    course.trainers.append(trainer)
    db.session.commit()
    login(trainer)
    last = lessons_of(course)[-1]
    html = client.get(lesson_url(course, last)).get_data(as_text=True)
    assert "Pratinjau pelatih" in html and "Tandai selesai" not in html
    assert client.post(lesson_url(course, last, "/selesai")).status_code == 403
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0


@pytest.mark.parametrize("role", ["trainer", "observer", "admin"])
def test_staff_who_do_not_teach_the_course_cannot_read_it_as_a_participant(client, login, course, role):
    user = factories.user(role, region_code=None)
    db.session.commit()
    login(user)
    status = client.get(lesson_url(course, lessons_of(course)[0])).status_code
    assert status == (200 if role == "admin" else 403)  # admins may preview any course


def test_attempts_are_private(client, login, app):
    course = factories.course(lessons=1, sequential=False)
    quiz = factories.quiz(course, role="posttest")
    owner, other = factories.user(), factories.user()
    factories.enrollment(owner, course)
    factories.enrollment(other, course)
    db.session.commit()
    login(owner)
    attempt_id = int(client.post(f"/kuis/{quiz.id}/mulai").headers["Location"].rsplit("/", 1)[1])
    client.get("/beranda")
    other_client = app.test_client()
    login(other, c=other_client)
    form = factories.answer_form(quiz)
    assert other_client.get(f"/kuis/percobaan/{attempt_id}").status_code == 404
    assert other_client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=form, headers=HX).status_code == 404
    assert other_client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=form).status_code == 404


def test_quiz_of_a_course_the_user_is_not_in_is_refused(client, login):
    course = factories.course(lessons=1, self_enroll=False)
    quiz = factories.quiz(course, role="pretest")
    user = factories.user()
    db.session.commit()
    login(user)
    assert client.get(f"/kuis/{quiz.id}").status_code == 403
    assert client.post(f"/kuis/{quiz.id}/mulai").status_code == 403
    assert client.get("/kuis/999999").status_code == 404


def test_prepost_report_only_for_the_course_trainers_and_admins(client, login, app, course):
    trainer, other_trainer = factories.user("trainer"), factories.user("trainer")
    admin, observer, participant = factories.user("admin"), factories.user("observer"), factories.user()
    course.trainers.append(trainer)
    factories.enrollment(participant, course)
    db.session.commit()
    url = f"/kursus/{course.slug}/pre-post"
    for user, status in ((trainer, 200), (admin, 200), (other_trainer, 403), (observer, 403), (participant, 403)):
        c = app.test_client()
        login(user, c=c)
        assert c.get(url).status_code == status, user.role
