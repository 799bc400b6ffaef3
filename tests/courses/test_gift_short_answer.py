"""Short-answer questions keep Moodle's per-answer weights and feedback: imported by a trainer, scored
and explained to the participant after answering, exported again the same."""
import pytest

from kopedu.courses import gift
from kopedu.courses.models import Quiz
from kopedu.extensions import db
from kopedu.learning.models import QuizAttempt
from tests import factories

BANK = """\
::Singkatan::Sisa Hasil Usaha disingkat ... {
  =SHU #Benar, SHU singkatan resmi.
  =%50%S H U #Hampir: tulis tanpa spasi.
  =%0%sisa* #Itu kepanjangannya, bukan singkatannya.
  =%0%* #Lihat lagi modul 3.
}

Rapat Anggota adalah kekuasaan tertinggi. {T}
"""


@pytest.fixture
def setup(app):
    course = factories.course(lessons=1, sequential=False)
    lesson = factories.quiz_lesson(course.modules[0], show_answers="always", pass_mark=0)
    trainer = factories.trainer_of(course)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    return {"course": course, "quiz": lesson.quiz, "trainer": trainer, "user": user}


def import_bank(client, login, setup):
    login(setup["trainer"])
    url = f"/kelola/kuis/{setup['quiz'].id}/impor"
    html = client.post(url, data={"action": "preview", "gift_text": BANK}).get_data(as_text=True)
    assert "2 soal terbaca, 0 soal bermasalah." in html
    assert "S H U (50%)" in html and "Hampir: tulis tanpa spasi." in html  # the preview shows weight and feedback
    assert client.post(url, data={"action": "confirm", "gift_text": BANK, "replace": "1"}).status_code == 303
    db.session.expire_all()
    return db.session.get(Quiz, setup["quiz"].id)


@pytest.mark.parametrize("response, score, feedback", [
    ("shu", 50.0, "Benar, SHU singkatan resmi."),
    ("S H U", 25.0, "Hampir: tulis tanpa spasi."),
    ("sisa hasil usaha", 0.0, "Itu kepanjangannya, bukan singkatannya."),
    ("laba", 0.0, "Lihat lagi modul 3."),
])
def test_participant_sees_the_feedback_of_the_answer_given(client, login, setup, app, response, score, feedback):
    quiz = import_bank(client, login, setup)
    short, truefalse = quiz.questions
    assert [(c.text, c.weight, c.feedback) for c in short.choices][1] == ("S H U", 50.0, "Hampir: tulis tanpa spasi.")
    assert short.answers == ["SHU", "S H U"]
    client = login(setup["user"], c=app.test_client())
    started = client.post(f"/kuis/{quiz.id}/mulai")
    attempt_id = int(started.headers["Location"].rsplit("/", 1)[1])
    wrong = next(c for c in truefalse.choices if c.weight == 0)
    client.post(f"/kuis/percobaan/{attempt_id}/kirim",
                data={f"q{short.id}": [response], f"q{truefalse.id}": [str(wrong.id)]})
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt_id).score == score
    html = client.get(f"/kuis/percobaan/{attempt_id}").get_data(as_text=True)
    assert "Pembahasan" in html and feedback in html
    others = {"Benar, SHU singkatan resmi.", "Hampir: tulis tanpa spasi.",
              "Itu kepanjangannya, bukan singkatannya.", "Lihat lagi modul 3."} - {feedback}
    assert not any(other in html for other in others)


def test_export_writes_the_weights_and_feedback_back(client, login, setup):
    quiz = import_bank(client, login, setup)
    exported = client.get(f"/kelola/kuis/{quiz.id}/ekspor").get_data(as_text=True)
    assert "=%50%S H U #Hampir\\: tulis tanpa spasi." in exported
    assert gift.parse(exported).questions == gift.parse(BANK).questions


def test_export_refuses_a_weight_moodle_would_not_accept(client, login, setup):
    quiz = setup["quiz"]
    quiz.questions[1].choices[0].weight = 35.0  # saved before weights had to be on Moodle's list
    quiz.questions[1].choices[1].weight = 65.0
    db.session.commit()
    login(setup["trainer"])
    response = client.get(f"/kelola/kuis/{quiz.id}/ekspor")
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Soal nomor 2 tidak bisa diekspor ke GIFT" in html


def test_editing_a_short_answer_keeps_the_feedback_of_the_answers_that_stay(client, login, setup):
    quiz = import_bank(client, login, setup)
    short = quiz.questions[0]
    response = client.post(f"/kelola/soal/{short.id}", data={"text": short.text, "answers": "SHU\nS.H.U."})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    db.session.expire_all()
    short = db.session.get(Quiz, quiz.id).questions[0]
    assert [(c.text, c.weight, c.feedback) for c in short.choices] == [
        ("SHU", 100.0, "Benar, SHU singkatan resmi."), ("S.H.U.", 100.0, ""),
        ("sisa*", 0.0, "Itu kepanjangannya, bukan singkatannya."), ("*", 0.0, "Lihat lagi modul 3.")]
    assert short.answers == ["SHU", "S.H.U."]


@pytest.mark.parametrize("kind, data, message", [
    ("multiple", {"choice-0": "a", "choice-0-weight": "35", "choice-1": "b", "choice-1-weight": "65"},
     "Bobot 35 tidak ada dalam daftar bobot Moodle; pakai 33.33333 atau 40."),
    ("short", {"answers": "masuk -> keluar"}, "Jawaban singkat tidak boleh memuat -&gt;"),
])
def test_editor_refuses_what_gift_cannot_carry_to_moodle(client, login, setup, kind, data, message):
    login(setup["trainer"])
    quiz = setup["quiz"]
    before = len(quiz.questions)
    response = client.post(f"/kelola/kuis/{quiz.id}/soal/baru?jenis={kind}", data={"rows": "6", "text": "Soal", **data},
                           headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert len(db.session.get(Quiz, quiz.id).questions) == before
