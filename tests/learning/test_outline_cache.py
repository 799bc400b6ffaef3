"""The course outline is cached per process (kopedu.courses.outline) and every authoring change
invalidates it: a learner never sees a stale outline or a stale lock — also when the change is made
in another process (a second app on the same database stands for a second gunicorn worker)."""
import re

import pytest

from kopedu import create_app
from kopedu.courses.models import Lesson, Quiz
from kopedu.extensions import db
from kopedu.learning import services
from tests import factories
from tests.conftest import IsolatedClient
from tests.learning.conftest import lesson_url, lessons_of

HX = {"HX-Request": "true"}


def _outline(html: str) -> list[tuple[str, str]]:
    """(title, status) of every lesson in the page's outline, in order."""
    items = re.findall(r'<li id="outline-\d+" class="outline-item is-(\w+)[^"]*"[^>]*>\s*(?:<a [^>]*>|<span>)([^<]+)<',
                       html)
    return [(title.strip(), status) for status, title in items]


@pytest.fixture
def other_worker(app, database_url, tmp_path):
    """A second app on the same database, with its own outline cache."""
    if database_url.startswith("sqlite://") and ":memory:" in database_url:
        pytest.skip("needs a database both apps share")
    second = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=tmp_path / "uploads")
    second.test_client_class = IsolatedClient
    yield second
    with second.app_context():
        db.engine.dispose()


def test_every_authoring_change_reaches_the_learner_at_once(app, client, login, other_worker):
    course = factories.course(lessons=3, sequential=True, self_enroll=False, title="Kursus Cache")
    first, second, third = lessons_of(course)
    trainer = factories.user(role="trainer", phone="6281100099001")
    course.trainers.append(trainer)
    learner = factories.user()
    factories.enrollment(learner, course)
    db.session.commit()
    login(learner)
    author = login(trainer, c=other_worker.test_client())

    def outline():
        response = client.get(lesson_url(course, first))
        assert response.status_code == 200
        return _outline(response.get_data(as_text=True))

    assert outline() == [("Pelajaran 1.1", "current"), ("Pelajaran 1.2", "locked"), ("Pelajaran 1.3", "locked")]
    assert client.post(lesson_url(course, first, "/selesai"), headers=HX).status_code == 200
    assert outline() == [("Pelajaran 1.1", "done"), ("Pelajaran 1.2", "current"), ("Pelajaran 1.3", "locked")]

    # lesson added (in the other worker; a new lesson starts unpublished), then published
    response = author.post(f"/kelola/modul/{first.module_id}/pelajaran", data={"title": "Pelajaran Baru",
                                                                               "kind": "reading"})
    assert response.status_code in (302, 303)
    new_id = db.session.scalar(db.select(Lesson.id).where(Lesson.title == "Pelajaran Baru"))
    assert [title for title, _ in outline()] == ["Pelajaran 1.1", "Pelajaran 1.2", "Pelajaran 1.3"]
    assert client.get(f"/kursus/{course.slug}/pelajaran/{new_id}").status_code == 404
    form = {"title": "Pelajaran Baru", "summary": "", "body": "Isi baru", "minutes": 5, "video_url": "",
            "required": "y", "published": "y"}
    assert author.post(f"/kelola/pelajaran/{new_id}", data=form).status_code in (302, 303)
    assert [title for title, _ in outline()] == ["Pelajaran 1.1", "Pelajaran 1.2", "Pelajaran 1.3", "Pelajaran Baru"]
    assert client.get(f"/kursus/{course.slug}/pelajaran/{new_id}").status_code == 409  # locked

    # reordered
    assert author.post(f"/kelola/pelajaran/{new_id}/pindah", data={"direction": "up"}).status_code in (200, 302, 303)
    assert [title for title, _ in outline()] == ["Pelajaran 1.1", "Pelajaran 1.2", "Pelajaran Baru", "Pelajaran 1.3"]

    # made optional: the lock behind it opens at once (a stale outline would keep "Pelajaran Baru" locked)
    optional = {"title": "Pelajaran 1.2", "summary": "", "body": "Isi", "minutes": 5, "video_url": "",
                "published": "y"}  # "required" unticked
    assert author.post(f"/kelola/pelajaran/{second.id}", data=optional).status_code in (302, 303)
    assert outline() == [("Pelajaran 1.1", "done"), ("Pelajaran 1.2", "current"), ("Pelajaran Baru", "open"),
                         ("Pelajaran 1.3", "locked")]
    assert "Isi baru" in client.get(f"/kursus/{course.slug}/pelajaran/{new_id}").get_data(as_text=True)

    # unpublished
    assert author.post(f"/kelola/pelajaran/{new_id}", data={**form, "published": ""}).status_code in (302, 303)
    assert [title for title, _ in outline()] == ["Pelajaran 1.1", "Pelajaran 1.2", "Pelajaran 1.3"]
    assert client.get(f"/kursus/{course.slug}/pelajaran/{new_id}").status_code == 404
    assert author.post(f"/kelola/pelajaran/{new_id}", data=form).status_code in (302, 303)
    assert [title for title, _ in outline()] == ["Pelajaran 1.1", "Pelajaran 1.2", "Pelajaran Baru", "Pelajaran 1.3"]

    # deleted
    assert author.post(f"/kelola/pelajaran/{new_id}/hapus").status_code in (200, 302, 303)
    assert [title for title, _ in outline()] == ["Pelajaran 1.1", "Pelajaran 1.2", "Pelajaran 1.3"]
    assert client.get(f"/kursus/{course.slug}/pelajaran/{new_id}").status_code == 404

    # quiz added and changed: the post-test appears in the outline, its settings reach the cached outline
    assert "outline-posttest" not in client.get(lesson_url(course, first)).get_data(as_text=True)
    assert author.post(f"/kelola/kursus/{course.id}/tes/posttest").status_code in (302, 303)
    page = client.get(lesson_url(course, first)).get_data(as_text=True)
    assert 'id="outline-posttest"' in page
    posttest_id = db.session.scalar(db.select(Quiz.id).where(Quiz.course_id == course.id, Quiz.role == "posttest"))
    response = author.post(f"/kelola/kuis/{posttest_id}", data={
        "title": "Post-test Baru", "instructions": "", "pass_mark": 85, "attempts_allowed": 2,
        "time_limit_minutes": "", "show_answers": "never"})
    assert response.status_code in (302, 303)
    client.get(lesson_url(course, first))
    cached = services.load_course(course_id=course.id)
    assert [(q.title, q.pass_mark, q.attempts_allowed) for q in cached.quizzes] == [("Post-test Baru", 85, 2)]

    # the course unpublished: gone for the learner at once
    assert author.post(f"/kelola/kursus/{course.id}/terbit", data={"published": "0"}).status_code in (302, 303)
    assert client.get(lesson_url(course, first)).status_code == 404


def test_a_rolled_back_change_leaves_the_cached_outline_in_use(app, client, login):
    course = factories.course(lessons=2)
    learner = factories.user()
    factories.enrollment(learner, course)
    db.session.commit()
    login(learner)
    assert client.get(lesson_url(course, lessons_of(course)[0])).status_code == 200
    before = services.load_course(course_id=course.id)
    lesson = db.session.get(Lesson, lessons_of(course)[1].id)
    lesson.title = "Tidak jadi"
    db.session.flush()
    db.session.rollback()
    assert services.load_course(course_id=course.id) is before
    assert "Tidak jadi" not in client.get(lesson_url(course, lessons_of(course)[0])).get_data(as_text=True)


def test_the_outline_is_loaded_once_and_then_checked_with_one_small_query(app, client, login, count_queries):
    course = factories.course(lessons=6, modules=2)
    learner = factories.user()
    factories.enrollment(learner, course)
    db.session.commit()
    login(learner)
    url = lesson_url(course, lessons_of(course)[0])
    client.get(url)
    with count_queries() as counter:
        assert client.get(url).status_code == 200
    outline_loads = [s for s in counter.statements if "FROM course" in s and "JOIN module" in s.replace("\n", " ")]
    assert outline_loads == []


def test_the_outline_and_pager_links_come_from_the_cached_outline_and_follow_its_changes(app, client, login):
    """The lesson URLs are built once per cached outline (kopedu.courses.outline.memo): every outline
    entry and the pager link to the right lesson, and a lesson added later gets its link at once."""
    course = factories.course(lessons=3, sequential=False, title="Kursus Tautan")
    first, second, third = lessons_of(course)
    learner = factories.user()
    factories.enrollment(learner, course)
    db.session.commit()
    login(learner)

    def links(lesson):
        html = client.get(lesson_url(course, lesson)).get_data(as_text=True)
        outline = re.findall(r'<li id="outline-(\d+)"[^>]*>\s*<a href="([^"]+)"', html)
        pager = re.findall(r'<a class="button[^"]*" href="([^"]+)">(?:‹ Sebelumnya|Berikutnya ›)</a>', html)
        return outline, pager

    outline, pager = links(second)
    assert outline == [(str(lesson.id), lesson_url(course, lesson)) for lesson in (first, second, third)]
    assert pager == [lesson_url(course, first), lesson_url(course, third)]

    added = Lesson(module_id=first.module_id, slug="pelajaran-4", title="Pelajaran 1.4", position=4, body="Isi",
                   minutes=5)
    db.session.add(added)
    db.session.commit()
    outline, pager = links(third)
    assert outline[-1] == (str(added.id), lesson_url(course, added))
    assert pager == [lesson_url(course, second), lesson_url(course, added)]
