"""Beranda's first button and the certificate line: the pre-test first; after the post-test, what the
certificate still needs instead of a button to finished work."""
import re

from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning.models import LessonProgress
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of


def _course():
    course = factories.course(lessons=3, sequential=True, title="Bimtek Koperasi")
    pretest = factories.quiz(course, role="pretest", pass_mark=0)
    posttest = factories.quiz(course, role="posttest", pass_mark=70, attempts_allowed=2)
    assignment = factories.assignment(course, title="Rencana bisnis")
    return course, pretest, posttest, assignment


def _card(html: str) -> str:
    return re.search(r'<article class="card dashboard-course">.*?</article>', html, re.S).group(0)


def _buttons(card: str) -> list[tuple[str, str]]:
    return re.findall(r'<a class="button[^"]*" href="([^"]+)"[^>]*>([^<]+)</a>', card)


def _read_everything_but_the_assignment(user, course, pretest, posttest, score=85.0):
    for lesson in lessons_of(course):
        if lesson.kind != "assignment":
            db.session.add(LessonProgress(user_id=user.id, lesson_id=lesson.id, completed_at=utcnow()))
    factories.quiz_attempt(user, pretest, score=40)
    factories.quiz_attempt(user, posttest, score=score)


def test_the_first_button_is_the_pretest_while_it_is_not_done(client, login):
    course, pretest, _posttest, _assignment = _course()
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    card = _card(client.get("/beranda").get_data(as_text=True))
    assert _buttons(card)[0] == (f"/kuis/{pretest.id}", "Mulai dengan pre-test")

    factories.quiz_attempt(user, pretest, score=40)
    db.session.commit()
    card = _card(client.get("/beranda").get_data(as_text=True))
    assert _buttons(card)[0] == (lesson_url(course, lessons_of(course)[0]), "Mulai belajar")
    assert "Sertifikat" not in card  # before the post-test nothing is said about it


def test_after_the_posttest_beranda_says_the_certificate_waits_for_the_grading(client, login, app):
    from kopedu.grading import services as grading

    course, pretest, posttest, assignment = _course()
    user = factories.user()
    enrollment = factories.enrollment(user, course)
    _read_everything_but_the_assignment(user, course, pretest, posttest)
    grading.submit(assignment, enrollment, text="Toko sembako.", files=[], upload_dir=app.config["UPLOAD_DIR"])
    db.session.commit()
    login(user)
    card = _card(client.get("/beranda").get_data(as_text=True))
    assert "Sertifikat:</strong> menunggu tugas dinilai pelatih" in card
    assert _buttons(card) == [(f"/kursus/{course.slug}", "Lihat kursus")]  # no "Lanjutkan belajar" to sent work


def test_work_sent_back_for_revision_is_the_next_step(client, login, app):
    from kopedu.grading import services as grading

    course, pretest, posttest, assignment = _course()
    trainer = factories.trainer_of(course)
    user = factories.user()
    enrollment = factories.enrollment(user, course)
    _read_everything_but_the_assignment(user, course, pretest, posttest)
    version = grading.submit(assignment, enrollment, text="Toko.", files=[], upload_dir=app.config["UPLOAD_DIR"])
    grading.grade(version.submission, trainer, version_number=1, outcome="perlu_revisi", feedback="Tambah data.",
                  levels={c.id: c.levels[1]["points"] for c in assignment.criteria})
    db.session.commit()
    login(user)
    card = _card(client.get("/beranda").get_data(as_text=True))
    assert "Sertifikat:</strong> perbaiki tugas sesuai umpan balik pelatih" in card
    assert _buttons(card)[0] == (f"/tugas/{assignment.lesson_id}", "Buka tugas")


def test_a_failed_posttest_with_a_chance_left_is_offered_again(client, login):
    course, pretest, posttest, assignment = _course()
    assignment.lesson.required = False
    user = factories.user()
    factories.enrollment(user, course)
    _read_everything_but_the_assignment(user, course, pretest, posttest, score=50)
    db.session.commit()
    login(user)
    card = _card(client.get("/beranda").get_data(as_text=True))
    assert "Sertifikat:</strong> nilai post-test minimal 70 (nilai Anda 50)" in card
    assert _buttons(card)[0] == (f"/kuis/{posttest.id}", "Kerjakan post-test lagi")

    factories.quiz_attempt(user, posttest, score=55, number=2)  # the last of two chances
    db.session.commit()
    card = _card(client.get("/beranda").get_data(as_text=True))
    assert "kesempatan post-test sudah habis; hubungi pelatih" in card
    assert _buttons(card) == [(f"/kursus/{course.slug}", "Lihat kursus")]


def _meets_every_rule():
    """A participant who did everything a course's certificate asks for (issued by hand, not yet issued)."""
    from kopedu.certificates import services as certificates

    course, pretest, posttest, assignment = _course()
    assignment.lesson.required = False
    user = factories.user()
    enrollment = factories.enrollment(user, course)
    _read_everything_but_the_assignment(user, course, pretest, posttest)
    certificates.save_rules(course, auto_issue=False, require_lessons=True, require_quizzes=True,
                            min_posttest_score=None, require_assignments=False, min_attendance_pct=None)
    return user, enrollment


def test_with_every_rule_met_the_certificate_is_there_to_download(client, login):
    from kopedu.certificates import services as certificates

    user, enrollment = _meets_every_rule()
    db.session.commit()
    login(user)
    card = _card(client.get("/beranda").get_data(as_text=True))
    assert "Sertifikat:</strong> menunggu diterbitkan pelatih" in card

    certificate = certificates.issue(enrollment, by=factories.user("admin"), reason="Lulus semua syarat.")
    db.session.commit()
    card = _card(client.get("/beranda").get_data(as_text=True))
    assert "Sertifikat:</strong> sudah terbit" in card
    assert _buttons(card)[0] == (f"/sertifikat/{certificate.id}/unduh", "Unduh sertifikat (PDF)")


def test_beranda_reads_the_assignments_and_the_certificates_once(client, login, count_queries):
    """The course cards' next steps and the page's own "Tugas" and "Sertifikat" sections share one
    query each (they used to run the assignments query twice and two more certificate queries)."""
    from kopedu.certificates import services as certificates

    user, enrollment = _meets_every_rule()
    certificates.issue(enrollment, by=factories.user("admin"), reason="Lulus semua syarat.")
    db.session.commit()
    login(user)
    client.get("/beranda")
    with count_queries() as counter:
        html = client.get("/beranda").get_data(as_text=True)
    assert "Sertifikat:</strong> sudah terbit" in _card(html)
    assert 'id="tugas-terbuka"' in html and 'id="certificates"' in html

    def reading(table):
        return [s for s in counter.statements if re.search(rf"\bFROM {table}\b", s)]

    assert len(reading("assignment")) == 1, reading("assignment")
    assert len(reading("certificate")) == 1, reading("certificate")
