"""Reading on writes nothing. Rereading a lesson, a second "Tandai selesai" and saving an answer write
only what changed: every write to the enrolment also rewrites its monitoring row, and on a busy
training day these are the most frequent requests."""
from datetime import timedelta

from kopedu.courses.models import Choice, Question
from kopedu.extensions import db
from kopedu.learning import services
from kopedu.learning.models import Enrollment
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of

HX = {"HX-Request": "true"}


def _writes(statements) -> list[str]:
    return [s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]


def _enrollment(user, course) -> Enrollment:
    db.session.expire_all()
    return db.session.scalar(db.select(Enrollment).filter_by(user_id=user.id, course_id=course.id))


def test_rereading_a_lesson_within_minutes_writes_nothing(client, login, course, participant, count_queries):
    first = lessons_of(course)[0]
    login(participant)
    assert client.get(lesson_url(course, first)).status_code == 200
    opened_at = _enrollment(participant, course).last_activity_at
    assert opened_at is not None

    with count_queries() as counter:
        assert client.get(lesson_url(course, first)).status_code == 200
    assert _writes(counter.statements) == []
    assert _enrollment(participant, course).last_activity_at == opened_at


def test_activity_is_kept_to_minutes_and_another_lesson_is_recorded_at_once(client, login, course, participant):
    first, second = lessons_of(course)[:2]
    login(participant)
    client.get(lesson_url(course, first))
    enrollment = _enrollment(participant, course)
    earlier = enrollment.last_activity_at - services.ACTIVITY_RESOLUTION - timedelta(seconds=1)
    enrollment.last_activity_at = earlier
    db.session.commit()

    client.get(lesson_url(course, first))  # the same lesson, but the last activity is old: recorded
    assert _enrollment(participant, course).last_activity_at > earlier

    client.post(lesson_url(course, first, "/selesai"), headers=HX)
    client.get(lesson_url(course, second))  # another lesson, seconds later: recorded at once
    assert _enrollment(participant, course).last_lesson_id == second.id


def test_a_second_done_click_writes_only_the_ignored_insert(client, login, course, participant, count_queries,
                                                            progress_signals):
    first = lessons_of(course)[0]
    login(participant)
    assert client.post(lesson_url(course, first, "/selesai"), headers=HX).status_code == 200
    progress = _enrollment(participant, course).progress_pct
    assert progress == 25 and len(progress_signals) == 1

    with count_queries() as counter:
        response = client.post(lesson_url(course, first, "/selesai"), headers=HX)
    assert response.status_code == 200
    writes = _writes(counter.statements)
    assert len(writes) == 1 and writes[0].lstrip().upper().startswith("INSERT INTO LESSON_PROGRESS")
    assert _enrollment(participant, course).progress_pct == progress
    assert len(progress_signals) == 1  # nothing new to tell the monitoring and certificate features


def _quiz_with(course, questions: int):
    quiz = factories.quiz(course, role="lesson")
    for position in range(4, questions):
        quiz.questions.append(Question(position=position, kind="single", text=f"Soal {position}", choices=[
            Choice(position=0, text="Ya", weight=100), Choice(position=1, text="Tidak", weight=0)]))
    db.session.flush()
    return quiz


def _answer_save_queries(app, login, count_queries, questions: int) -> int:
    course = factories.course(lessons=1, sequential=False)
    quiz = _quiz_with(course, questions)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    client = app.test_client()
    login(user, c=client)
    response = client.post(f"/kuis/{quiz.id}/mulai")
    attempt_id = int(response.headers["Location"].rsplit("/", 1)[1])
    question = quiz.questions[0]
    form = {f"q{question.id}": str(question.choices[0].id)}
    client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=form, headers=HX)
    with count_queries() as counter:
        response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=form, headers=HX)
    assert response.status_code == 200
    assert len(_writes(counter.statements)) == 1  # the upsert of the answer
    return counter.count


def test_saving_an_answer_runs_the_same_few_queries_for_a_small_and_a_large_quiz(app, login, count_queries):
    small = _answer_save_queries(app, login, count_queries, questions=4)
    large = _answer_save_queries(app, login, count_queries, questions=40)
    assert small == large <= 4  # the user, the attempt with its quiz, the posted questions, the upsert
