"""Catalogue, course page, beranda and the trainer's pre/post/gain page."""
import pytest
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning import services
from kopedu.learning.models import QuizAttempt
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of

HX = {"HX-Request": "true"}


def test_catalogue_search_as_you_type_returns_only_the_results(client, login):
    factories.course(title="Pengelolaan Keuangan Koperasi", summary="Buku kas dan SHU")
    factories.course(title="Pemasaran Digital", summary="WhatsApp Business")
    factories.course(title="Draf", published=False)
    db.session.commit()
    login(factories.user())
    full = client.get("/kursus").get_data(as_text=True)
    assert "Pengelolaan Keuangan Koperasi" in full and "Pemasaran Digital" in full and "Draf" not in full
    assert 'hx-get="/kursus"' in full and "delay:400ms" in full
    fragment = client.get("/kursus?q=whatsapp", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="results"')
    assert "Pemasaran Digital" in fragment and "Pengelolaan" not in fragment and "<html" not in fragment
    plain = client.get("/kursus?q=KEUANGAN").get_data(as_text=True)  # also a plain GET form
    assert "<html" in plain and "Pengelolaan Keuangan Koperasi" in plain and "Pemasaran Digital" not in plain


def test_catalogue_search_treats_wildcards_literally(client, login):
    factories.course(title="Kursus A")
    db.session.commit()
    login(factories.user())
    assert "Kursus A" not in client.get("/kursus?q=%25", headers=HX).get_data(as_text=True)
    assert "Belum ada kursus yang cocok" in client.get("/kursus?q=_", headers=HX).get_data(as_text=True)


def test_catalogue_shows_size_and_how_to_enrol(client, login):
    factories.course(title="Terbuka", lessons=3, modules=2, self_enroll=True)
    factories.course(title="Angkatan", self_enroll=False)
    db.session.commit()
    login(factories.user())
    html = client.get("/kursus").get_data(as_text=True)
    assert "2 modul · 6 pelajaran" in html
    assert "Bisa daftar sendiri" in html and "Lewat angkatan" in html


def test_beranda_lists_courses_with_progress_resume_and_scores(client, login):
    course = factories.course(lessons=4, sequential=True, title="Bimtek Koperasi")
    pretest = factories.quiz(course, role="pretest", pass_mark=0)
    factories.quiz(course, role="posttest")
    user = factories.user()
    factories.enrollment(user, course)
    db.session.add(QuizAttempt(quiz_id=pretest.id, user_id=user.id, number=1, submitted_at=utcnow(), score=62.5,
                               passed=True))
    db.session.commit()
    login(user)
    first, second = lessons_of(course)[:2]
    client.post(lesson_url(course, first, "/selesai"))
    html = client.get("/beranda").get_data(as_text=True)
    assert "Bimtek Koperasi" in html
    assert 'value="25"' in html and "25% selesai" in html
    assert f'href="{lesson_url(course, second)}">Lanjutkan belajar' in html
    assert "62,5" in html  # the pre-test score
    assert "Setelah semua pelajaran" in html  # the post-test is not open yet


def test_beranda_for_someone_without_courses_points_to_the_catalogue(client, login):
    login(factories.user())
    html = client.get("/beranda").get_data(as_text=True)
    assert "belum terdaftar" in html and 'href="/kursus"' in html


def test_beranda_for_a_trainer_lists_taught_courses(client, login):
    course = factories.course(title="Kursus Pelatih")
    factories.course(title="Kursus Lain")
    trainer = factories.user("trainer")
    course.trainers.append(trainer)
    db.session.commit()
    login(trainer)
    html = client.get("/beranda").get_data(as_text=True)
    assert "Kursus Pelatih" in html and "Kursus Lain" not in html
    assert f'/kursus/{course.slug}/pre-post' in html


def test_course_page_offers_the_pretest_first_then_resume(client, login):
    course = factories.course(lessons=2, sequential=True)
    pretest = factories.quiz(course, role="pretest", pass_mark=0)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    html = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    assert f'href="/kuis/{pretest.id}">Mulai dengan pre-test' in html
    assert "Lewati pre-test" in html
    attempt_id = int(client.post(f"/kuis/{pretest.id}/mulai").headers["Location"].rsplit("/", 1)[1])
    client.post(f"/kuis/percobaan/{attempt_id}/kirim", data=factories.answer_form(pretest))
    html = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    assert f'href="{lesson_url(course, lessons_of(course)[0])}">Mulai belajar' in html
    assert "Nilai 100" in html


def _attempt(user, quiz, score, number=1):
    db.session.add(QuizAttempt(quiz_id=quiz.id, user_id=user.id, number=number, submitted_at=utcnow(), score=score,
                               passed=score >= quiz.pass_mark))


def test_prepost_report_counts_the_first_post_test_attempt_and_the_best_on_request(client, login, app):
    course = factories.course(lessons=1)
    pretest = factories.quiz(course, role="pretest", pass_mark=0)
    posttest = factories.quiz(course, role="posttest")
    ana, budi, citra = (factories.user(full_name=n) for n in ("Ana Bana", "Budi Tefa", "Citra Pah"))
    for user in (ana, budi, citra):
        factories.enrollment(user, course)
    _attempt(ana, pretest, 40)
    _attempt(ana, posttest, 90, number=2)  # the retake, added first: the attempt's number decides, not the row
    _attempt(ana, posttest, 60)  # the first post-test counts by default: gain 20 (the retake's 90 would give 50)
    _attempt(budi, pretest, 50)
    _attempt(budi, posttest, 80)  # gain 30
    _attempt(citra, pretest, 70)  # no post-test yet: no gain
    trainer = factories.user("trainer")
    course.trainers.append(trainer)
    db.session.commit()

    report = services.pre_post_report(services.load_course(course.slug))
    gains = {row.enrollment.user.full_name: row.gain for row in report.rows}
    assert gains == {"Ana Bana": 20, "Budi Tefa": 30, "Citra Pah": None}
    assert report.post_attempt == "first" and report.average_gain == 25 and report.both_count == 2
    assert report.average_pre == round((40 + 50 + 70) / 3, 2) and report.average_post == 70

    best = services.pre_post_report(services.load_course(course.slug), post_attempt="best")
    assert {row.enrollment.user.full_name: row.gain for row in best.rows} == {
        "Ana Bana": 50, "Budi Tefa": 30, "Citra Pah": None}
    assert best.average_gain == 40
    with pytest.raises(ValueError):
        services.pre_post_report(course, post_attempt="last")

    login(trainer)
    html = client.get(f"/kursus/{course.slug}/pre-post").get_data(as_text=True)
    assert "Ana Bana" in html and "+20" in html and "+30" in html
    assert '<dd id="average-gain">+25</dd>' in html
    assert "percobaan pertama" in html and "post=terbaik" in html
    html = client.get(f"/kursus/{course.slug}/pre-post?post=terbaik").get_data(as_text=True)
    assert '<dd id="average-gain">+40</dd>' in html and "post-test terbaik" in html


def test_prepost_report_ignores_an_unsubmitted_first_attempt(app):
    course = factories.course(lessons=1)
    pretest = factories.quiz(course, role="pretest", pass_mark=0)
    posttest = factories.quiz(course, role="posttest")
    user = factories.user()
    factories.enrollment(user, course)
    _attempt(user, pretest, 40)
    db.session.add(QuizAttempt(quiz_id=posttest.id, user_id=user.id, number=1, score=None))  # still open
    db.session.commit()
    row = services.pre_post_report(services.load_course(course.slug)).rows[0]
    assert row.pre == 40 and row.post is None and row.gain is None


def test_scores_are_shown_with_an_indonesian_decimal_comma(app):
    from kopedu.learning.routes import score_filter

    with app.test_request_context():
        assert score_filter(81.26) == "81,3"
        assert score_filter(62.5) == "62,5"
        assert score_filter(100.0) == "100"
        assert score_filter(None) == "–"


def test_dashboard_entries_service(app):
    course = factories.course(lessons=3, sequential=False)
    hidden = factories.course(lessons=1, published=False)
    user = factories.user()
    factories.enrollment(user, course)
    factories.enrollment(user, hidden)
    db.session.flush()
    entries = services.dashboard(user)
    assert [e.course.id for e in entries] == [course.id]
    assert entries[0].state.progress_pct == 0
    assert entries[0].state.resume_item.lesson.id == lessons_of(course)[0].id


def test_lesson_page_and_its_scripts_are_compressed_and_cached(client, login):
    import re

    course = factories.course(lessons=1)
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    login(user)
    page = client.get(lesson_url(course, lessons_of(course)[0]), headers={"Accept-Encoding": "gzip, deflate, br"})
    assert page.headers["Content-Encoding"] == "br"
    assert "private" in page.headers["Cache-Control"]
    html = client.get(lesson_url(course, lessons_of(course)[0])).get_data(as_text=True)
    script = re.search(r'src="(/static/js/kopedu\.js\?v=[0-9a-f]+)"', html).group(1)
    # Chrome over plain HTTP offers "gzip, deflate" (br only over HTTPS); static files are streamed, and
    # Flask-Compress streams br or deflate, not gzip
    response = client.get(script, headers={"Accept-Encoding": "gzip, deflate"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "deflate"
    assert "max-age=31536000" in response.headers["Cache-Control"] and "immutable" in response.headers["Cache-Control"]


def test_prepost_report_for_one_cohort(client, login):
    from kopedu.cohorts.models import Cohort

    course = factories.course(lessons=1)
    pretest = factories.quiz(course, role="pretest", pass_mark=0)
    cohort = Cohort(course_id=course.id, code="KPG-1", name="Angkatan 1")
    db.session.add(cohort)
    db.session.flush()
    inside, outside = factories.user(full_name="Dalam Angkatan"), factories.user(full_name="Luar Angkatan")
    factories.enrollment(inside, course, cohort_id=cohort.id)
    factories.enrollment(outside, course)
    _attempt(inside, pretest, 50)
    admin = factories.user("admin")
    db.session.commit()
    login(admin)
    html = client.get(f"/kursus/{course.slug}/pre-post?angkatan={cohort.id}").get_data(as_text=True)
    assert "Dalam Angkatan" in html and "Luar Angkatan" not in html
    assert "Luar Angkatan" in client.get(f"/kursus/{course.slug}/pre-post").get_data(as_text=True)
