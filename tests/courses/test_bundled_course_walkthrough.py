"""The demo participant can open every lesson of the bundled course and take every quiz; the post-test
allows two attempts and keeps the best score."""
from sqlalchemy import select

from kopedu.courses.models import Course
from kopedu.demo import DEMO_PASSWORD, seed_demo
from kopedu.extensions import db
from kopedu.learning import services
from kopedu.learning.models import Enrollment, QuizAttempt
from tests import factories


def _take(client, quiz, correct=True):
    start = client.post(f"/kuis/{quiz.id}/mulai")
    assert start.status_code == 303, (quiz.title, start.status_code)
    attempt_id = int(start.headers["Location"].rsplit("/", 1)[1])
    assert client.get(f"/kuis/percobaan/{attempt_id}").status_code == 200
    submitted = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=factories.answer_form(quiz, correct))
    assert submitted.status_code == 303
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


def test_every_lesson_opens_and_every_quiz_can_be_taken(client, app):
    seed_demo()
    db.session.commit()
    response = client.post("/masuk", data={"login": "081200000001", "password": DEMO_PASSWORD})
    assert response.status_code == 303
    course = db.session.scalar(select(Course).where(Course.slug == "penguatan-kapasitas-pengurus-kmp"))
    quizzes = {q.role: q for q in course.quizzes if q.role != "lesson"}

    assert client.get(f"/kursus/{course.slug}").status_code == 200
    assert _take(client, quizzes["pretest"]).submitted_at is not None

    taken = 0
    for module in course.modules:
        for lesson in module.lessons:
            url = f"/kursus/{course.slug}/pelajaran/{lesson.id}"
            page = client.get(url)
            assert page.status_code == 200, (lesson.slug, page.status_code)
            assert lesson.title in page.get_data(as_text=True)
            if lesson.kind == "quiz":
                attempt = _take(client, lesson.quiz)
                assert attempt.passed, lesson.slug
                taken += 1
            elif lesson.kind != "assignment":
                assert client.post(f"{url}/selesai").status_code in (200, 303)
    assert taken == 6

    final = _take(client, quizzes["posttest"])
    assert final.passed and final.score == 100
    second = _take(client, quizzes["posttest"], correct=False)  # the second and last chance
    assert not second.passed and second.score < 70
    third = client.post(f"/kuis/{quizzes['posttest'].id}/mulai")
    assert third.status_code == 409 and "sudah habis" in third.get_data(as_text=True)
    user_id = final.user_id
    assert services.best_scores([quizzes["posttest"].id], [user_id]) == {(user_id, quizzes["posttest"].id): 100}
    enrollment = db.session.scalar(select(Enrollment).join(Enrollment.user).where(
        Enrollment.course_id == course.id, Enrollment.user.has(phone="6281200000001")))
    assert enrollment.progress_pct >= 90  # everything but the graded assignment
