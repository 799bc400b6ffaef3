"""The lesson page, the progress click, the course page and the beranda run the same number of SQL
queries for a course of 5 lessons and one of 50."""
import pytest

from kopedu.extensions import db
from tests import factories
from tests.learning.conftest import lesson_url, lessons_of

HX = {"HX-Request": "true"}


def _setup(lessons: int, modules: int, courses: int = 1):
    user = factories.user()
    made = []
    for _ in range(courses):
        course = factories.course(lessons=lessons, modules=modules, sequential=True)
        factories.quiz(course, role="pretest", pass_mark=0)
        factories.quiz(course, role="posttest")
        factories.quiz_lesson(course.modules[-1], position=lessons + 1)
        factories.enrollment(user, course)
        made.append(course)
    db.session.commit()
    return user, made[0]


def _measure(app, login, count_queries, user, course) -> dict[str, int]:
    client = app.test_client()
    login(user, c=client)
    first, second = lessons_of(course)[:2]
    client.post(lesson_url(course, first, "/selesai"))
    client.get("/beranda")  # the process's outline cache now holds every course of the user
    counts = {}
    requests = {
        "lesson page": lambda: client.get(lesson_url(course, second)),
        "progress click": lambda: client.post(lesson_url(course, second, "/selesai"), headers=HX),
        "course page": lambda: client.get(f"/kursus/{course.slug}"),
        "beranda": lambda: client.get("/beranda"),
    }
    for name, request in requests.items():
        with count_queries() as counter:
            response = request()
        assert response.status_code == 200, name
        counts[name] = counter.count
    return counts


def test_query_count_does_not_grow_with_the_course(app, login, count_queries):
    small = _measure(app, login, count_queries, *_setup(lessons=5, modules=1))
    large = _measure(app, login, count_queries, *_setup(lessons=5, modules=10))
    assert small == large
    print("\nSQL queries per request (5 and 50 lessons):", small)


def test_beranda_query_count_does_not_grow_with_the_number_of_courses(app, login, count_queries):
    one = _measure(app, login, count_queries, *_setup(lessons=3, modules=2, courses=1))["beranda"]
    three = _measure(app, login, count_queries, *_setup(lessons=3, modules=2, courses=3))["beranda"]
    assert one == three


def test_outlines_missing_from_the_cache_are_loaded_together(app, login, count_queries):
    """The first beranda of a process loads the outlines of all the user's courses in a fixed number of
    queries, however many courses there are."""
    counts = []
    for courses in (1, 3):
        user, _ = _setup(lessons=3, modules=2, courses=courses)
        client = login(user, c=app.test_client())
        app.extensions.pop("kopedu.outline", None)  # a fresh process
        with count_queries() as counter:
            assert client.get("/beranda").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1]


@pytest.mark.parametrize("n", [5])
def test_the_fixture_sees_a_growing_loop(app, count_queries, n):
    """The counter itself counts: n separate lookups are n queries (so equal counts above mean something)."""
    from kopedu.auth.models import User

    users = [factories.user() for _ in range(n)]
    db.session.commit()
    db.session.expire_all()
    with count_queries() as counter:
        for user in users:
            db.session.get(User, user.id, populate_existing=True)
    assert counter.count >= n
