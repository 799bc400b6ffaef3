"""Numerical and matching questions: answered on the attempt page (a number typed the Indonesian way, a
choice per row), saved as chosen, graded on the server, shown in the review, refused when tampered with."""
import pytest
from sqlalchemy import select

from kopedu.courses import gift
from kopedu.courses.models import Choice, Question, Quiz
from kopedu.extensions import db
from kopedu.learning import services
from kopedu.learning.models import AttemptAnswer, QuizAttempt
from tests import factories

HX = {"HX-Request": "true"}


def finance_quiz(course) -> Quiz:
    """Two questions from module 6: the cash left after the instalment (numerical, a margin and a
    half-credit answer: the profit figure that forgets depreciation is not cash) and cash vs profit
    (matching, with a distractor)."""
    quiz = Quiz(course=course, role="posttest", title="Keuangan", pass_mark=70, shuffle=False,
                show_answers="always")
    quiz.questions = [
        Question(position=0, kind="numerical", text="Kas sisa sesudah cicilan (Rp)?", choices=[
            Choice(position=0, text="1548000", tolerance="1000", weight=100, feedback="Benar: penyusutan bukan kas."),
            Choice(position=1, text="1298000", tolerance="0", weight=50, feedback="Itu laba, bukan kas."),
            Choice(position=2, text="*", tolerance="", weight=0, feedback="Hitung lagi arus kasnya.")]),
        Question(position=1, kind="matching", text="Pasangkan.", choices=[
            Choice(position=0, text="Penyusutan", match="Biaya, bukan kas keluar"),
            Choice(position=1, text="Cicilan pokok", match="Kas keluar, bukan biaya"),
            Choice(position=2, text="Penjualan tunai", match="Pendapatan dan kas masuk"),
            Choice(position=3, text="", match="Modal anggota")]),
    ]
    db.session.add(quiz)
    db.session.flush()
    return quiz


@pytest.fixture
def setup(app):
    course = factories.course(lessons=1, sequential=False)
    quiz = finance_quiz(course)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    numerical, matching = quiz.questions
    return {"course": course, "quiz": quiz, "user": user, "numerical": numerical, "matching": matching}


def start(client, quiz) -> int:
    response = client.post(f"/kuis/{quiz.id}/mulai")
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def stored(attempt_id, question_id) -> AttemptAnswer | None:
    db.session.expire_all()
    return db.session.scalar(select(AttemptAnswer).where(AttemptAnswer.attempt_id == attempt_id,
                                                         AttemptAnswer.question_id == question_id))


def pairs(question, wanted: dict[str, str]) -> list[str]:
    """Form values for a matching question: left text -> the right side chosen."""
    option = {c.match: c.id for c in question.match_options}
    by_text = {c.text: c.id for c in question.choices if c.text}
    return [f"{by_text[left]}:{option[right]}" for left, right in wanted.items()]


RIGHT = {"Penyusutan": "Biaya, bukan kas keluar", "Cicilan pokok": "Kas keluar, bukan biaya",
         "Penjualan tunai": "Pendapatan dan kas masuk"}


def test_the_attempt_page_offers_a_number_field_and_a_choice_per_row(client, login, setup):
    login(setup["user"])
    attempt_id = start(client, setup["quiz"])
    html = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    number = setup["numerical"]
    assert f'name="q{number.id}"' in html and 'inputmode="decimal"' in html
    assert "misalnya 1.548.000 atau 12,5" in html
    matching = setup["matching"]
    assert html.count(f'<select id="m-') == 3  # the distractor has no row of its own
    assert html.count(">Modal anggota</option>") == 3  # but is offered in every row


@pytest.mark.parametrize("typed,points", [
    ("1.548.000", 1.0), ("1548000", 1.0), ("Rp 1.548.000", 1.0), ("1.547.500", 1.0),  # within ± 1.000
    ("1.298.000", 0.5),   # the profit figure: half credit, as the question says
    ("1.600.000", 0.0),
])
def test_numerical_answers_are_read_the_indonesian_way_and_scored(client, login, setup, typed, points):
    login(setup["user"])
    attempt_id = start(client, setup["quiz"])
    q = setup["numerical"]
    response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data={f"q{q.id}": typed}, headers=HX)
    assert response.status_code == 200 and "Tersimpan" in response.get_data(as_text=True)
    assert stored(attempt_id, q.id).text == typed
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={"konfirmasi": "1"})
    assert stored(attempt_id, q.id).score == points


def test_a_decimal_comma_is_read_as_decimals(app, setup):
    q = Question(kind="numerical", text="Bunga per bulan (%)?", choices=[
        Choice(position=0, text="12.5", tolerance="0", weight=100)])
    assert q.numeric_match("12,5") is q.choices[0]
    assert q.numeric_match("12") is None


@pytest.mark.parametrize("typed", ["12.5", "1,5 jt", "satu juta", "1.5", "1,2,3", "9" * 41])
def test_a_number_that_cannot_be_read_without_guessing_is_refused_with_a_plain_message(client, login, setup, typed):
    login(setup["user"])
    attempt_id = start(client, setup["quiz"])
    q = setup["numerical"]
    response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data={f"q{q.id}": typed}, headers=HX)
    assert response.status_code in (400, 422)
    assert "Angka tidak dikenali" in response.get_data(as_text=True)
    assert stored(attempt_id, q.id) is None  # nothing half-written


def test_matching_scores_each_row_and_is_kept_between_visits(client, login, setup):
    login(setup["user"])
    attempt_id = start(client, setup["quiz"])
    q = setup["matching"]
    wrong_one = dict(RIGHT, **{"Penyusutan": "Modal anggota"})
    response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data={f"q{q.id}": pairs(q, wrong_one)},
                           headers=HX)
    assert response.status_code == 200
    html = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert html.count(" selected>") == 3  # the three choices come back on the next visit
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data={"konfirmasi": "1"})
    assert stored(attempt_id, q.id).score == pytest.approx(2 / 3)
    review = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert "Penyusutan → Biaya, bukan kas keluar" in review and "pilihan Anda: Modal anggota" in review


def test_all_rows_right_is_full_marks(client, login, setup):
    login(setup["user"])
    attempt_id = start(client, setup["quiz"])
    q, n = setup["matching"], setup["numerical"]
    client.post(f"/kuis/percobaan/{attempt_id}/kirim",
                data={f"q{q.id}": pairs(q, RIGHT), f"q{n.id}": "1.548.000", "konfirmasi": "1"})
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == 100.0


@pytest.mark.parametrize("values", [
    ["{left}:{left}x"], ["{distractor}:{option}"], ["{left}:{option}", "{left}:{option}"], ["999999:{option}"],
    ["{left}"],
])
def test_tampered_matching_values_are_refused(client, login, setup, values):
    login(setup["user"])
    attempt_id = start(client, setup["quiz"])
    q = setup["matching"]
    ids = {"left": q.match_items[0].id, "distractor": q.choices[3].id, "option": q.match_options[0].id}
    data = {f"q{q.id}": [v.format(**ids) for v in values]}
    response = client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=data, headers=HX)
    assert response.status_code == 400
    assert stored(attempt_id, q.id) is None


def test_an_option_of_another_question_is_refused(client, login, setup):
    login(setup["user"])
    attempt_id = start(client, setup["quiz"])
    q, n = setup["matching"], setup["numerical"]
    data = {f"q{q.id}": [f"{q.match_items[0].id}:{n.choices[0].id}"]}
    assert client.post(f"/kuis/percobaan/{attempt_id}/jawab", data=data, headers=HX).status_code == 400


def test_score_of_a_matching_answer_with_the_same_right_side_twice(app):
    """Two left sides may share one right side (Moodle allows it): either option id counts."""
    q = Question(kind="matching", text="x", choices=[
        Choice(id=1, position=0, text="Simpanan pokok", match="Modal"),
        Choice(id=2, position=1, text="Simpanan wajib", match="Modal"),
        Choice(id=3, position=2, text="Pinjaman bank", match="Utang")])
    answer = AttemptAnswer(text="1:1 2:1 3:3")
    assert services.score_answer(q, answer) == 1.0
    assert [c.id for c in q.match_options] == [1, 3]


def test_gift_import_of_the_editor_keeps_tolerance_and_pairs(client, login, setup):
    """A trainer imports numerical and matching questions from GIFT; learners then answer them."""
    course = setup["course"]
    trainer = factories.trainer_of(course)
    quiz = factories.quiz(course, role="lesson", title="Impor")
    db.session.commit()
    login(trainer)
    text = ("::Impas::Titik impas kas (Rp)? {#=46500000:100000 ~#Ingat: penyusutan bukan kas}\n\n"
            "::Pasang::Pasangkan. {\n=Laba -> Pendapatan dikurangi biaya\n=Arus kas -> Uang masuk dikurangi uang keluar\n"
            "= -> Simpanan sukarela\n}\n")
    url = f"/kelola/kuis/{quiz.id}/impor"
    preview = client.post(url, data={"gift_text": text, "action": "preview"}).get_data(as_text=True)
    assert "46.500.000 ± 100.000" in preview and "Laba → Pendapatan dikurangi biaya" in preview
    client.post(url, data={"gift_text": text, "action": "confirm"})
    db.session.expire_all()
    imported = {q.title: q for q in db.session.scalars(select(Question).where(Question.quiz_id == quiz.id))}
    impas = imported["Impas"]
    assert impas.kind == gift.NUMERICAL
    assert [(c.text, c.tolerance, c.weight) for c in impas.choices] == [("46500000", "100000", 100), ("*", "", 0)]
    pasang = imported["Pasang"]
    assert [(c.text, c.match) for c in pasang.choices] == [
        ("Laba", "Pendapatan dikurangi biaya"), ("Arus kas", "Uang masuk dikurangi uang keluar"),
        ("", "Simpanan sukarela")]


def test_the_editor_writes_numerical_and_matching_questions(client, login, setup):
    course = setup["course"]
    trainer = factories.trainer_of(course)
    quiz = factories.quiz(course, role="lesson", title="Editor")
    db.session.commit()
    login(trainer)
    response = client.post(f"/kelola/kuis/{quiz.id}/soal/baru?jenis=numerical", data={
        "text": "Kas sisa?", "rows": "3", "choice-0": "1.548.000", "choice-0-tolerance": "1.000",
        "choice-0-weight": "", "choice-1": "1.298.000", "choice-1-weight": "50", "feedback_other": "Hitung lagi."})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    q = db.session.scalar(select(Question).where(Question.quiz_id == quiz.id, Question.text == "Kas sisa?"))
    assert [(c.text, c.tolerance, c.weight, c.feedback) for c in q.choices] == [
        ("1548000", "1000", 100, ""), ("1298000", "0", 50, ""), ("*", "", 0, "Hitung lagi.")]
    page = client.get(f"/kelola/soal/{q.id}").get_data(as_text=True)
    assert 'value="1.548.000"' in page and 'value="1.000"' in page  # shown back the Indonesian way

    bad = client.post(f"/kelola/kuis/{quiz.id}/soal/baru?jenis=numerical", data={
        "text": "Kas sisa?", "rows": "3", "choice-0": "1,5 jt"})
    assert bad.status_code == 422 and "Angka tidak dikenali" in bad.get_data(as_text=True)

    response = client.post(f"/kelola/kuis/{quiz.id}/soal/baru?jenis=matching", data={
        "text": "Pasangkan.", "rows": "3", "choice-0": "Laba", "choice-0-match": "Pendapatan - biaya",
        "choice-1": "Kas", "choice-1-match": "Uang tunai", "choice-2-match": "Pengecoh"})
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:500]
    q = db.session.scalar(select(Question).where(Question.quiz_id == quiz.id, Question.kind == "matching"))
    assert [(c.text, c.match) for c in q.choices] == [("Laba", "Pendapatan - biaya"), ("Kas", "Uang tunai"),
                                                       ("", "Pengecoh")]
    one = client.post(f"/kelola/kuis/{quiz.id}/soal/baru?jenis=matching", data={
        "text": "Pasangkan.", "rows": "3", "choice-0": "Laba", "choice-0-match": "Pendapatan - biaya"})
    assert one.status_code == 422 and "paling sedikit dua pasangan" in one.get_data(as_text=True)
