"""The last chance at a quiz (the one-attempt pre-test, a post-test's last attempt) sent with questions
left blank is not graded at once: the answers are kept and the participant confirms. A server step, so it
works without JavaScript; the timer's own submission is never held."""
from datetime import timedelta

import pytest

from kopedu.db import utcnow
from kopedu.extensions import db
from tests import factories
from tests.learning.test_quiz import HX, answers_count, attempt, one_question, start


@pytest.fixture
def pretest(app):
    course = factories.course(lessons=2, sequential=False)
    quiz = factories.quiz(course, role="pretest", pass_mark=0, attempts_allowed=1, title="Pre-test")
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    return quiz, user


def test_blank_questions_on_the_last_chance_ask_for_confirmation_and_keep_the_answers(client, login, pretest):
    quiz, user = pretest
    login(user)
    attempt_id = start(client, quiz)
    form = factories.answer_form(quiz)
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=one_question(form, quiz, 0))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/kuis/percobaan/{attempt_id}?konfirmasi=1#konfirmasi")
    assert attempt(attempt_id).submitted_at is None  # not graded
    assert answers_count(attempt_id) == 1  # the posted answer is kept

    html = client.get(f"/kuis/percobaan/{attempt_id}?konfirmasi=1").get_data(as_text=True)
    assert "3 soal belum dijawab" in html and "Ya, kirim sekarang" in html
    assert f'<li><a href="#q-{quiz.questions[1].id}">2</a></li>' in html  # each blank question is a link to it
    assert html.count('class="card question unanswered"') == 3

    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={"konfirmasi": "1"})
    assert response.status_code == 303
    done = attempt(attempt_id)
    assert done.submitted_at is not None and done.score == 25.0


def test_answering_the_rest_sends_it_without_asking(client, login, pretest):
    quiz, user = pretest
    login(user)
    attempt_id = start(client, quiz)
    form = factories.answer_form(quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=one_question(form, quiz, 0))
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=form)
    assert response.headers["Location"].endswith(f"/kuis/percobaan/{attempt_id}")
    assert attempt(attempt_id).score == 100.0


def test_a_boosted_submit_is_redirected_the_htmx_way(client, login, pretest):
    quiz, user = pretest
    login(user)
    attempt_id = start(client, quiz)
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={}, headers={**HX, "HX-Boosted": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"].endswith("?konfirmasi=1#konfirmasi")
    assert attempt(attempt_id).submitted_at is None


def test_a_quiz_with_chances_left_is_sent_at_once(client, login, pretest):
    quiz, user = pretest
    quiz.attempts_allowed = 0  # unlimited
    db.session.commit()
    login(user)
    attempt_id = start(client, quiz)
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={})
    assert response.headers["Location"].endswith(f"/kuis/percobaan/{attempt_id}")
    assert attempt(attempt_id).submitted_at is not None


def test_the_timer_running_out_is_never_held(client, login, pretest):
    quiz, user = pretest
    quiz.time_limit_minutes = 10
    db.session.commit()
    login(user)
    attempt_id = start(client, quiz)
    row = attempt(attempt_id)
    row.deadline_at = utcnow() + timedelta(seconds=5)  # the countdown is at its end
    db.session.commit()
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={})
    assert response.headers["Location"].endswith(f"/kuis/percobaan/{attempt_id}")
    assert attempt(attempt_id).submitted_at is not None


def test_someone_else_cannot_confirm_an_attempt(app, client, login, pretest):
    quiz, user = pretest
    login(user)
    attempt_id = start(client, quiz)
    other = login(factories.user(), c=app.test_client())
    assert other.post(f"/kuis/percobaan/{attempt_id}/kirim", data={"konfirmasi": "1"}).status_code == 404
    assert attempt(attempt_id).submitted_at is None
