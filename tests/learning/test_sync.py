"""Writes queued on the phone and replayed: each client id is applied once, what became invalid is refused."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning import services
from kopedu.learning.models import AttemptAnswer, ClientWrite, Enrollment, LessonProgress, QuizAttempt
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of
from tests.learning.test_quiz import setup, start  # noqa: F401 (fixture)

HX = {"HX-Request": "true"}


def count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count(model.id)).where(*where))


def test_a_replayed_completion_is_applied_once(client, login, course, participant):
    first, second = lessons_of(course)[:2]
    login(participant)
    for _ in range(3):  # sent, then the queue replayed twice
        response = client.post(lesson_url(course, first, "/selesai"), data={"client_id": "done-aaaaaaaa"}, headers=HX)
        assert response.status_code == 200 and "Pelajaran ini sudah selesai" in response.get_data(as_text=True)
    assert count(LessonProgress, LessonProgress.user_id == participant.id) == 1
    assert count(ClientWrite, ClientWrite.user_id == participant.id) == 1
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.user_id == participant.id))
    assert enrollment.progress_pct == 25


def test_a_completion_refused_while_locked_stores_no_id_and_is_applied_when_replayed_in_order(
        client, login, course, participant):
    first, second = lessons_of(course)[:2]
    login(participant)
    refused = client.post(lesson_url(course, second, "/selesai"), data={"client_id": "second-111"}, headers=HX)
    assert refused.status_code == 409 and "masih terkunci" in refused.get_data(as_text=True)
    assert count(ClientWrite) == 0 and count(LessonProgress) == 0
    client.post(lesson_url(course, first, "/selesai"), data={"client_id": "first-1111"}, headers=HX)
    again = client.post(lesson_url(course, second, "/selesai"), data={"client_id": "second-111"}, headers=HX)
    assert again.status_code == 200
    assert count(LessonProgress, LessonProgress.user_id == participant.id) == 2


def test_a_malformed_client_id_is_refused(client, login, course, participant):
    login(participant)
    response = client.post(lesson_url(course, lessons_of(course)[0], "/selesai"),
                           data={"client_id": "<x>"}, headers=HX)
    assert response.status_code == 400
    assert count(LessonProgress) == 0


def test_a_replayed_answer_does_not_undo_a_later_one(client, login, setup):
    quiz = setup["quiz"]
    login(setup["user"])
    attempt_id = start(client, quiz)
    key = f"q{quiz.questions[0].id}"
    wrong = factories.answer_form(quiz, correct=False)[key]
    right = factories.answer_form(quiz)[key]
    url = f"/kuis/percobaan/{attempt_id}/jawab"
    assert client.post(url, data={key: wrong, "client_id": "answer-0001"}, headers=HX).status_code == 200
    assert client.post(url, data={key: right, "client_id": "answer-0002"}, headers=HX).status_code == 200
    # the queue is replayed (twice): the first write is not applied again over the second
    for _ in range(2):
        response = client.post(url, data={key: wrong, "client_id": "answer-0001"}, headers=HX)
        assert response.status_code == 200 and "Tersimpan" in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
    assert len(saved) == 1 and saved[0].choice_ids == [int(right[0])]
    assert count(ClientWrite, ClientWrite.kind == "answer") == 2


def test_a_queued_answer_for_a_submitted_attempt_is_refused_plainly(client, login, setup):
    quiz = setup["quiz"]
    login(setup["user"])
    attempt_id = start(client, quiz)
    form = factories.answer_form(quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=form)
    key = f"q{quiz.questions[0].id}"
    response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data={key: form[key], "client_id": "late-00001"},
                           headers=HX)
    assert response.status_code == 409 and "sudah dikirim" in response.get_data(as_text=True)
    assert count(ClientWrite) == 0


def test_a_queued_answer_after_the_deadline_is_refused_by_the_server_clock(client, login, setup):
    quiz = setup["quiz"]
    quiz.time_limit_minutes = 10
    db.session.commit()
    login(setup["user"])
    attempt_id = start(client, quiz)
    attempt = db.session.get(QuizAttempt, attempt_id)
    attempt.deadline_at = utcnow() - timedelta(seconds=services.GRACE_SECONDS + 5)
    db.session.commit()
    key = f"q{quiz.questions[0].id}"
    form = factories.answer_form(quiz)
    url = f"/kuis/percobaan/{attempt_id}/jawab"
    response = client.post(url, data={key: form[key], "client_id": "timed-0001"}, headers=HX)
    assert response.status_code == 409 and "Waktu sudah habis" in response.get_data(as_text=True)
    # replayed: the attempt was graded when the late answer came, so it is refused again
    response = client.post(url, data={key: form[key], "client_id": "timed-0001"}, headers=HX)
    assert response.status_code == 409 and "sudah dikirim" in response.get_data(as_text=True)
    assert count(AttemptAnswer, AttemptAnswer.attempt_id == attempt_id) == 0
    assert count(ClientWrite) == 0


def test_the_database_refuses_a_second_row_for_the_same_client_id(app):
    user = factories.user()
    db.session.add(ClientWrite(user_id=user.id, client_id="same-00001", kind="answer"))
    db.session.commit()
    db.session.add(ClientWrite(user_id=user.id, client_id="same-00001", kind="answer"))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    other = factories.user()
    db.session.add(ClientWrite(user_id=other.id, client_id="same-00001", kind="answer"))
    db.session.commit()  # ids are per person
