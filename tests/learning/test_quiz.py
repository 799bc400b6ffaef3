"""Quizzes: attempts saved answer by answer, graded on the server, time limits, tampering, best attempt."""
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning import services
from kopedu.learning.models import AttemptAnswer, LessonProgress, QuizAttempt
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of

HX = {"HX-Request": "true"}


@pytest.fixture
def setup(app):
    """A non-sequential course with a pre-test, a quiz lesson and a post-test; one enrolled participant."""
    course = factories.course(lessons=2, sequential=False)
    quiz_lesson = factories.quiz_lesson(course.modules[0], position=3)
    pretest = factories.quiz(course, role="pretest", pass_mark=0, attempts_allowed=1, title="Pre-test")
    posttest = factories.quiz(course, role="posttest", title="Post-test")
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    return {"course": course, "lesson": quiz_lesson, "quiz": quiz_lesson.quiz, "pretest": pretest,
            "posttest": posttest, "user": user}


def start(client, quiz):
    response = client.post(f"/kuis/{quiz.id}/mulai")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def attempt(attempt_id):
    db.session.expire_all()
    return db.session.get(QuizAttempt, attempt_id)


def answers_count(attempt_id):
    return db.session.scalar(select(func.count(AttemptAnswer.id)).where(AttemptAnswer.attempt_id == attempt_id))


def one_question(form, quiz, index):
    key = f"q{quiz.questions[index].id}"
    return {key: form[key]}


def test_quiz_lesson_shows_the_quiz_and_starts_an_attempt(client, login, setup):
    login(setup["user"])
    html = client.get(lesson_url(setup["course"], setup["lesson"])).get_data(as_text=True)
    assert "Mulai kuis" in html and "Nilai lulus" in html and "Tandai selesai" not in html
    attempt_id = start(client, setup["quiz"])
    page = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    for question in setup["quiz"].questions:
        assert f'id="q-{question.id}"' in page
    assert page.count('type="radio"') == 5 and page.count('type="checkbox"') == 4
    assert "Kirim jawaban" in page


def test_each_answer_is_saved_with_a_small_htmx_response_and_resumes(client, login, setup):
    quiz = setup["quiz"]
    login(setup["user"])
    attempt_id = start(client, quiz)
    right = factories.answer_form(quiz)
    response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=one_question(right, quiz, 0), headers=HX)
    assert response.status_code == 200
    assert "Tersimpan" in response.get_data(as_text=True) and len(response.get_data()) < 200
    # the hidden empty value that keeps an all-unchecked question present is ignored
    client.post(f"/kuis/percobaan/{attempt_id}/jawab",
                data={f"q{quiz.questions[1].id}": [""] + right[f"q{quiz.questions[1].id}"]}, headers=HX)
    client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=one_question(right, quiz, 0), headers=HX)  # again
    assert answers_count(attempt_id) == 2
    # the connection drops; starting again resumes the same attempt with the answers ticked
    assert start(client, quiz) == attempt_id
    page = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    chosen = right[f"q{quiz.questions[0].id}"][0]
    assert re.search(rf'value="{chosen}" checked', page)


def test_changing_an_answer_replaces_it(client, login, setup):
    quiz = setup["quiz"]
    login(setup["user"])
    attempt_id = start(client, quiz)
    key = f"q{quiz.questions[0].id}"
    wrong = factories.answer_form(quiz, correct=False)[key]
    right = factories.answer_form(quiz)[key]
    client.post(f"/kuis/percobaan/{attempt_id}/jawab", data={key: wrong}, headers=HX)
    client.post(f"/kuis/percobaan/{attempt_id}/jawab", data={key: right}, headers=HX)
    saved = db.session.scalars(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id)).all()
    assert len(saved) == 1 and saved[0].choice_ids == [int(right[0])]


def test_submit_grades_on_the_server(client, login, setup):
    quiz = setup["quiz"]
    login(setup["user"])
    attempt_id = start(client, quiz)
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=factories.answer_form(quiz))
    assert response.status_code == 303
    graded = attempt(attempt_id)
    assert graded.submitted_at is not None and graded.score == 100 and graded.passed is True
    html = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert "Lulus" in html and "100" in html


def test_scoring_rules(app, setup):
    quiz = setup["quiz"]
    single, multiple, truefalse, short = quiz.questions

    def answer(choices=None, text=None):
        return AttemptAnswer(choice_ids=[c.id for c in choices or []], text=text)

    assert services.score_answer(single, answer([single.choices[0]])) == 1
    assert services.score_answer(single, answer([single.choices[1]])) == 0
    assert services.score_answer(multiple, answer(multiple.choices[:1])) == 0.5
    assert services.score_answer(multiple, answer(multiple.choices[:3])) == 0.5  # 50 + 50 - 50
    assert services.score_answer(multiple, answer(multiple.choices[2:])) == 0  # never below zero
    assert services.score_answer(truefalse, answer([truefalse.choices[0]])) == 1
    assert services.score_answer(short, answer(text="  shu. ")) == 1  # case, spaces, end punctuation
    assert services.score_answer(short, answer(text="S.H.U.")) == 1  # any accepted answer
    assert services.score_answer(short, answer(text="SHU koperasi")) == 0
    assert services.score_answer(single, None) == 0


def test_failing_then_passing_uses_the_best_attempt_and_completes_the_quiz_lesson(client, login, setup,
                                                                                    progress_signals):
    quiz, user, course = setup["quiz"], setup["user"], setup["course"]
    login(user)
    first = start(client, quiz)
    client.post(f"/kuis/percobaan/{first}/kirim", data=factories.answer_form(quiz, correct=False))
    failed = client.get(f"/kuis/percobaan/{first}").get_data(as_text=True)
    assert "Belum lulus" in failed and "Coba lagi" in failed
    assert db.session.scalar(select(func.count(LessonProgress.id))) == 0
    second = start(client, quiz)
    assert second != first
    client.post(f"/kuis/percobaan/{second}/kirim", data=factories.answer_form(quiz))
    assert attempt(second).passed and attempt(second).number == 2
    assert db.session.scalar(select(LessonProgress.lesson_id).where(LessonProgress.user_id == user.id)) == \
        setup["lesson"].id
    assert services.best_scores([quiz.id], [user.id]) == {(user.id, quiz.id): 100}
    lesson_page = client.get(lesson_url(course, setup["lesson"])).get_data(as_text=True)
    assert "Riwayat percobaan" in lesson_page and "Kuis ini sudah Anda lulusi" in lesson_page
    assert len(progress_signals) == 2  # each graded attempt tells the certificates feature


def test_correct_answers_are_shown_after_passing_only(client, login, setup):
    quiz = setup["quiz"]
    login(setup["user"])
    first = start(client, quiz)
    client.post(f"/kuis/percobaan/{first}/kirim", data=factories.answer_form(quiz, correct=False))
    html = client.get(f"/kuis/percobaan/{first}").get_data(as_text=True)
    assert "Pembahasan" not in html and "Rapat Anggota" not in html
    assert "tampil setelah Anda lulus" in html
    second = start(client, quiz)
    client.post(f"/kuis/percobaan/{second}/kirim", data=factories.answer_form(quiz))
    html = client.get(f"/kuis/percobaan/{first}").get_data(as_text=True)
    assert "Pembahasan" in html and "Rapat Anggota" in html and "Benar." in html  # feedback too


@pytest.mark.parametrize("policy, visible", [("always", True), ("never", False)])
def test_show_answers_policy(client, login, setup, policy, visible):
    quiz = setup["quiz"]
    quiz.show_answers = policy
    db.session.commit()
    login(setup["user"])
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=factories.answer_form(quiz))
    assert ("Pembahasan" in client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)) is visible


def test_tampered_question_or_choice_ids_are_refused_and_nothing_is_written(client, login, setup):
    quiz, posttest = setup["quiz"], setup["posttest"]
    login(setup["user"])
    attempt_id = start(client, quiz)
    single, multiple = quiz.questions[0], quiz.questions[1]
    bad = [
        {f"q{posttest.questions[0].id}": [str(posttest.questions[0].choices[0].id)]},  # another quiz's question
        {f"q{single.id}": [str(multiple.choices[0].id)]},  # another question's choice
        {f"q{single.id}": [str(single.choices[0].id), str(single.choices[1].id)]},  # two answers to single choice
        {f"q{single.id}": ["abc"]},
        {f"q{quiz.questions[3].id}": ["x" * 201]},  # too long
    ]
    for form in bad:
        response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=form, headers=HX)
        assert response.status_code == 400, form
        assert "error" in response.get_data(as_text=True)
    # a good answer and a bad one in the same submission: neither is written, nothing graded
    mixed = {**factories.answer_form(quiz), f"q{single.id}": [str(multiple.choices[0].id)]}
    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=mixed).status_code == 400
    assert answers_count(attempt_id) == 0
    assert attempt(attempt_id).submitted_at is None


def test_answer_after_the_time_limit_is_refused(client, login, setup):
    quiz = setup["quiz"]
    quiz.time_limit_minutes = 10
    db.session.commit()
    login(setup["user"])
    attempt_id = start(client, quiz)
    started = attempt(attempt_id)
    assert started.deadline_at is not None
    assert abs((started.deadline_at - started.started_at) - timedelta(minutes=10)) < timedelta(seconds=1)
    form = factories.answer_form(quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=one_question(form, quiz, 0), headers=HX)
    # the clock runs out (past the few seconds of grace)
    started.deadline_at = utcnow() - timedelta(seconds=services.GRACE_SECONDS + 5)
    db.session.commit()
    response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=one_question(form, quiz, 2), headers=HX)
    assert response.status_code == 409 and "Waktu sudah habis" in response.get_data(as_text=True)
    assert answers_count(attempt_id) == 1
    graded = attempt(attempt_id)
    assert graded.submitted_at is not None and graded.score == 25  # only the answer saved in time counts
    # a late submit of the whole form changes nothing
    assert client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=form).status_code == 303
    assert attempt(attempt_id).score == 25


def test_late_submit_is_graded_with_what_was_saved_in_time(client, login, setup):
    quiz = setup["quiz"]
    quiz.time_limit_minutes = 5
    db.session.commit()
    login(setup["user"])
    attempt_id = start(client, quiz)
    row = attempt(attempt_id)
    row.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=factories.answer_form(quiz))
    assert response.status_code == 303
    assert attempt(attempt_id).score == 0 and answers_count(attempt_id) == 0
    follow = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert "Waktu sudah habis" in follow


def test_answer_within_the_grace_seconds_is_accepted(client, login, setup):
    quiz = setup["quiz"]
    quiz.time_limit_minutes = 5
    db.session.commit()
    login(setup["user"])
    attempt_id = start(client, quiz)
    row = attempt(attempt_id)
    row.deadline_at = utcnow() - timedelta(seconds=services.GRACE_SECONDS - 5)
    db.session.commit()
    form = factories.answer_form(quiz)
    assert client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=one_question(form, quiz, 0),
                       headers=HX).status_code == 200


def test_opening_an_expired_attempt_grades_it(client, login, setup):
    quiz = setup["quiz"]
    quiz.time_limit_minutes = 5
    db.session.commit()
    login(setup["user"])
    attempt_id = start(client, quiz)
    client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=one_question(factories.answer_form(quiz), quiz, 0),
                headers=HX)
    row = attempt(attempt_id)
    row.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    html = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert "Waktu sudah habis" in html and "Kirim jawaban" not in html
    assert attempt(attempt_id).score == 25


def test_attempts_allowed_is_enforced(client, login, setup):
    pretest = setup["pretest"]
    login(setup["user"])
    attempt_id = start(client, pretest)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=factories.answer_form(pretest, correct=False))
    response = client.post(f"/kuis/{pretest.id}/mulai")
    assert response.status_code == 409 and "sudah habis" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(QuizAttempt.id))) == 1


def test_pretest_never_gates_and_hides_its_answers(client, login):
    course = factories.course(lessons=2, sequential=True)
    pretest = factories.quiz(course, role="pretest", pass_mark=0, attempts_allowed=1)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    first = lessons_of(course)[0]
    page = client.get(lesson_url(course, first))
    assert page.status_code == 200 and "kerjakan pre-test" in page.get_data(as_text=True)
    assert client.post(lesson_url(course, first, "/selesai")).status_code == 303
    attempt_id = start(client, pretest)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=factories.answer_form(pretest, correct=False))
    html = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert "tidak menentukan kelulusan" in html and "Pembahasan" not in html and "Belum lulus" not in html


def test_posttest_is_locked_until_the_lessons_are_done_in_a_sequential_course(client, login):
    course = factories.course(lessons=2, sequential=True)
    posttest = factories.quiz(course, role="posttest")
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    assert "terbuka setelah semua pelajaran selesai" in client.get(f"/kuis/{posttest.id}").get_data(as_text=True)
    assert client.post(f"/kuis/{posttest.id}/mulai").status_code == 409
    first, second = lessons_of(course)
    client.post(lesson_url(course, first, "/selesai"))
    response = client.post(lesson_url(course, second, "/selesai"), headers=HX)
    assert re.search(r'id="outline-posttest"[^>]*hx-swap-oob="true"', response.get_data(as_text=True))
    start(client, posttest)


def test_a_locked_quiz_lesson_cannot_be_started(client, login):
    course = factories.course(lessons=2, sequential=True)
    lesson = factories.quiz_lesson(course.modules[0], position=3)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    assert client.post(f"/kuis/{lesson.quiz.id}/mulai").status_code == 409
    assert client.get(f"/kuis/{lesson.quiz.id}").status_code == 303  # a lesson quiz lives on its lesson page


def test_shuffled_order_is_fixed_per_attempt(app, setup):
    quiz = setup["quiz"]
    quiz.shuffle = True
    db.session.flush()
    state = services.course_state(services.load_course(setup["course"].slug), setup["user"])
    attempt_row = services.start_attempt(state, quiz, rng=random.Random(3))
    db.session.commit()
    order = [q.id for q, _ in services.ordered_questions(attempt_row)]
    assert sorted(order) == sorted(q.id for q in quiz.questions)
    assert attempt_row.layout["questions"] == order
    truefalse = next(q for q in quiz.questions if q.kind == "truefalse")
    assert attempt_row.layout["choices"][str(truefalse.id)] == [c.id for c in truefalse.choices]  # Benar, Salah
    again = services.load_attempt(attempt_row.id, setup["user"])
    assert [q.id for q, _ in services.ordered_questions(again)] == order


def test_starting_twice_resumes_and_the_database_refuses_duplicate_numbers(app, setup):
    state = services.course_state(services.load_course(setup["course"].slug), setup["user"])
    first = services.start_attempt(state, setup["quiz"])
    second = services.start_attempt(state, setup["quiz"])
    assert first.id == second.id
    db.session.add(QuizAttempt(quiz_id=setup["quiz"].id, user_id=setup["user"].id, number=first.number))
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
