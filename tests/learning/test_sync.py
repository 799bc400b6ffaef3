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
    chosen = int(utcnow().timestamp() * 1000) - 60_000
    first = {key: wrong, "client_id": "answer-0001", "chosen_at": str(chosen)}
    assert client.post(url, data=first, headers=HX).status_code == 200
    second = {key: right, "client_id": "answer-0002", "chosen_at": str(chosen + 5000)}
    assert client.post(url, data=second, headers=HX).status_code == 200
    # the queue is replayed (twice): the first write is not applied again over the second
    for _ in range(2):
        response = client.post(url, data=first, headers=HX)
        assert response.status_code == 200 and "sudah tersimpan" in response.get_data(as_text=True)
        assert response.headers["KopEdu-Write"] == "superseded"
    db.session.expire_all()
    saved = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
    assert len(saved) == 1 and saved[0].choice_ids == [int(right[0])]
    assert count(ClientWrite, ClientWrite.kind == "answer") == 1  # one row per question: the newest choice


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


def test_the_newest_choice_wins_not_the_last_to_arrive(client, login, setup):
    """Two tabs (or phones) answer the same question: the older choice, queued and sent last, changes nothing."""
    quiz = setup["quiz"]
    login(setup["user"])
    attempt_id = start(client, quiz)
    key = f"q{quiz.questions[0].id}"
    wrong = factories.answer_form(quiz, correct=False)[key]
    right = factories.answer_form(quiz)[key]
    url = f"/kuis/percobaan/{attempt_id}/jawab"
    now = int(utcnow().timestamp() * 1000)
    newer = client.post(url, data={key: right, "client_id": "tab-b-0001", "chosen_at": str(now - 1000)}, headers=HX)
    assert newer.headers["KopEdu-Write"] == "applied"
    older = client.post(url, data={key: wrong, "client_id": "tab-a-0001", "chosen_at": str(now - 9000)}, headers=HX)
    assert older.status_code == 200 and older.headers["KopEdu-Write"] == "superseded"
    db.session.expire_all()
    answer = db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id))
    assert answer.choice_ids == [int(right[0])]
    # a later choice still replaces it; its replay is a replay
    latest = {key: wrong, "client_id": "tab-a-0002", "chosen_at": str(now)}
    assert client.post(url, data=latest, headers=HX).headers["KopEdu-Write"] == "applied"
    assert client.post(url, data=latest, headers=HX).headers["KopEdu-Write"] == "replay"
    db.session.expire_all()
    assert db.session.get(AttemptAnswer, answer.id).choice_ids == [int(wrong[0])]


def test_a_malformed_chosen_time_is_refused(client, login, course, participant):
    login(participant)
    response = client.post(lesson_url(course, lessons_of(course)[0], "/selesai"),
                           data={"client_id": "done-bbbbbbbb", "chosen_at": "yesterday"}, headers=HX)
    assert response.status_code == 400
    assert count(LessonProgress) == 0 and count(ClientWrite) == 0


def test_a_phone_clock_ahead_counts_as_the_server_now(app):
    from kopedu.learning import sync

    now = utcnow()
    ahead = int((now + timedelta(days=2)).timestamp() * 1000)
    assert sync.chosen_time(str(ahead), now) == now
    assert sync.chosen_time(None, now) is None


def test_a_flood_of_writes_is_refused_with_429_and_the_write_is_kept_for_later(app, client, login, setup):
    """Past the per-user cap a write answers 429 (Retry-After): nothing is recorded, so the phone's
    resend after the minute is applied; replays of writes applied before still answer 200."""
    app.config["CLIENT_WRITES_PER_MINUTE"] = 3
    quiz = setup["quiz"]
    login(setup["user"])
    attempt_id = start(client, quiz)
    url = f"/kuis/percobaan/{attempt_id}/jawab"
    forms = [{f"q{question.id}": factories.answer_form(quiz)[f"q{question.id}"], "client_id": f"flood-{n:04d}"}
             for n, question in enumerate(quiz.questions[:4])]
    statuses = [client.post(url, data=form, headers=HX).status_code for form in forms]
    assert statuses == [200, 200, 200, 429]
    refused = client.post(url, data=forms[3], headers=HX)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert "tetap di HP" in refused.get_data(as_text=True)
    assert client.post(url, data=forms[0], headers=HX).status_code == 200  # a replay is not a new write
    assert count(ClientWrite) == 3 and count(AttemptAnswer, AttemptAnswer.attempt_id == attempt_id) == 3
    # a minute later the write kept on the phone goes through
    db.session.execute(ClientWrite.__table__.update().values(applied_at=utcnow() - timedelta(minutes=2)))
    db.session.commit()
    assert client.post(url, data=forms[3], headers=HX).status_code == 200
    assert count(AttemptAnswer, AttemptAnswer.attempt_id == attempt_id) == 4


def test_the_prune_command_deletes_records_older_than_the_retention(app):
    user = factories.user()
    now = utcnow()
    db.session.add_all([ClientWrite(user_id=user.id, client_id="old-000001", kind="answer",
                                    applied_at=now - timedelta(days=31)),
                        ClientWrite(user_id=user.id, client_id="old-000002", kind="lesson_done",
                                    target="lesson_done:1", applied_at=now - timedelta(days=45)),
                        ClientWrite(user_id=user.id, client_id="new-000001", kind="answer",
                                    applied_at=now - timedelta(days=29))])
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["kopedu", "prune-client-writes"])
    assert result.exit_code == 0, result.output
    assert "2 older than 30 days" in result.output
    db.session.expire_all()
    assert [row.client_id for row in db.session.scalars(select(ClientWrite))] == ["new-000001"]


def test_a_write_queued_for_another_user_is_refused_and_leaves_no_trace(client, login, course, participant):
    """A shared phone: a write queued for Yuliana never counts for the user logged in now."""
    other = factories.user()
    db.session.commit()
    login(participant)
    url = lesson_url(course, lessons_of(course)[0], "/selesai")
    response = client.post(url, data={"client_id": "shared-0001", "for_user": str(other.id)}, headers=HX)
    assert response.status_code == 409 and response.headers["KopEdu-Write"] == "other-user"
    assert "akun lain" in response.get_data(as_text=True)
    assert count(LessonProgress) == 0 and count(ClientWrite) == 0
    mine = client.post(url, data={"client_id": "shared-0001", "for_user": str(participant.id)}, headers=HX)
    assert mine.status_code == 200 and count(LessonProgress) == 1
