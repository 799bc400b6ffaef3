"""National scale: the whole-course gradebook and the pre/post report never bind an id list that
grows with the enrolments (psycopg allows 65,535 parameters per statement), they page, and a large
course is listed one cohort at a time. A listener counts the bound parameters of every statement."""
import re

import pytest
from sqlalchemy import event

from kopedu.extensions import db
from kopedu.grading import gradebook as books
from kopedu.grading import queue as queues
from kopedu.learning import services as learning
from tests import factories

PAGE = 10
PEOPLE = 25


@pytest.fixture
def big(app, monkeypatch):
    """A course with PEOPLE participants in one cohort, pre/post-test scores, an assignment; pages of PAGE."""
    monkeypatch.setattr(books, "GRADEBOOK_PAGE", PAGE)
    monkeypatch.setattr(books, "EXPORT_CHUNK", PAGE)
    monkeypatch.setattr(learning, "PREPOST_PAGE", PAGE)
    factories.kupang_regions()
    course = factories.course(title="Nasional", slug="nasional")
    pre = factories.quiz(course, role="pretest")
    post = factories.quiz(course, role="posttest")
    factories.assignment(course)
    cohort = factories.cohort(course, name="Angkatan Besar")
    trainer = factories.trainer_of(course)
    people = []
    for number in range(PEOPLE):
        user, _enrollment = factories.participant_in(cohort, full_name=f"Peserta {number:02d}")
        factories.quiz_attempt(user, pre, score=40 + number)
        factories.quiz_attempt(user, post, score=60 + number)
        people.append(user)
    db.session.commit()
    return {"course": course, "cohort": cohort, "trainer": trainer, "people": people}


@pytest.fixture
def bound_parameters(app):
    """The largest number of parameters any statement bound (the id lists are what makes it grow)."""
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if isinstance(parameters, dict):
            seen.append(len(parameters))
        elif isinstance(parameters, (list, tuple)) and not executemany:
            seen.append(len(parameters))

    event.listen(db.engine, "before_cursor_execute", count)
    yield seen
    event.remove(db.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("path", ["/penilaian/kursus/{course}", "/kursus/nasional/pre-post",
                                  "/penilaian/kursus/{course}?angkatan={cohort}",
                                  "/kursus/nasional/pre-post?angkatan={cohort}",
                                  "/penilaian/kursus/{course}/buku-nilai.csv"])
def test_no_statement_binds_every_enrolment(client, login, big, bound_parameters, path):
    login(big["trainer"])
    bound_parameters.clear()
    response = client.get(path.format(course=big["course"].id, cohort=big["cohort"].id))
    assert response.status_code == 200
    assert bound_parameters and max(bound_parameters) < PEOPLE, max(bound_parameters)


def test_gradebook_pages_in_a_stable_order(client, login, big):
    login(big["trainer"])
    url = f"/penilaian/kursus/{big['course'].id}?angkatan={big['cohort'].id}"
    seen = []
    page = 1
    while True:
        html = client.get(f"{url}&page={page}").get_data(as_text=True)
        names = re.findall(r"<strong>(Peserta \d\d)</strong>", html)
        assert len(names) <= PAGE
        seen += names
        if 'rel="next"' not in html:
            break
        assert page < 10
        page += 1
        assert 'rel="prev"' in client.get(f"{url}&page={page}").get_data(as_text=True)
    assert sorted(seen) == sorted(f"Peserta {n:02d}" for n in range(PEOPLE)) and len(set(seen)) == PEOPLE


def test_prepost_pages_by_name_with_averages_over_the_whole_filter(client, login, big):
    login(big["trainer"])
    first = client.get("/kursus/nasional/pre-post").get_data(as_text=True)
    names = re.findall(r"<td>(Peserta \d\d)<br>", first)
    assert names == [f"Peserta {n:02d}" for n in range(PAGE)]
    assert 'rel="next"' in first and 'rel="prev"' not in first
    last = client.get("/kursus/nasional/pre-post?page=3").get_data(as_text=True)
    assert re.findall(r"<td>(Peserta \d\d)<br>", last) == [f"Peserta {n:02d}" for n in range(20, PEOPLE)]
    assert 'rel="next"' not in last and 'rel="prev"' in last
    # the averages count all 25, not the page: pre 40..64 → 52, gain always 20
    report = learning.pre_post_report(big["course"], page=3)
    assert report.count == PEOPLE and report.both_count == PEOPLE
    assert report.average_pre == 52 and report.average_gain == 20


def test_a_large_course_asks_for_a_cohort(client, login, big, monkeypatch):
    monkeypatch.setattr(books, "FILTER_OVER", PEOPLE - 1)
    monkeypatch.setattr(learning, "PREPOST_FILTER_OVER", PEOPLE - 1)
    login(big["trainer"])
    html = client.get(f"/penilaian/kursus/{big['course'].id}").get_data(as_text=True)
    assert 'id="gradebook-needs-filter"' in html and "Peserta 00" not in html
    assert "Angkatan Besar" in html  # offered in the selector
    html = client.get("/kursus/nasional/pre-post").get_data(as_text=True)
    assert 'id="prepost-needs-filter"' in html and "Peserta 00" not in html
    response = client.get(f"/penilaian/kursus/{big['course'].id}/buku-nilai.csv")
    assert response.status_code == 303
    html = client.get(f"/penilaian/kursus/{big['course'].id}?angkatan={big['cohort'].id}").get_data(as_text=True)
    assert "Peserta 00" in html


def test_cohort_selector_is_searchable_and_bounded(app, big, monkeypatch):
    from kopedu.cohorts import services as cohorts

    for number in range(4):
        factories.cohort(big["course"], name=f"Angkatan Kupang {number}")
    db.session.commit()
    choices, more = cohorts.cohort_choices(big["course"].id, "", limit=3)
    assert len(choices) == 3 and more
    choices, more = cohorts.cohort_choices(big["course"].id, "kupang 2", limit=3)
    assert [c.name for c in choices] == ["Angkatan Kupang 2"] and not more
    assert cohorts.cohort_choices(big["course"].id, "100%_")[0] == []


def test_gradebook_csv_export_has_every_row_across_pages(client, login, big):
    login(big["trainer"])
    body = client.get(f"/penilaian/kursus/{big['course'].id}/buku-nilai.csv").get_data(as_text=True)
    assert all(f"Peserta {n:02d}" in body for n in range(PEOPLE))
    assert len(body.strip().splitlines()) == PEOPLE + 1


def _waiting(assignment, enrollments):
    from kopedu.db import utcnow
    from kopedu.grading.models import WAITING, Submission

    for enrollment in enrollments:
        db.session.add(Submission(assignment_id=assignment.id, user_id=enrollment.user_id,
                                  enrollment_id=enrollment.id, status=WAITING, version_count=1,
                                  last_submitted_at=utcnow()))
    db.session.commit()


def test_the_nav_badge_counts_to_99_plus_and_the_queue_counts_them_all(app, client, login, monkeypatch):
    """The badge on every staff page stops counting at BADGE_CAP ("99+"); the queue says the exact number."""
    monkeypatch.setattr(queues, "BADGE_CAP", 5)
    factories.kupang_regions()
    course = factories.course(title="Nasional")
    assignment = factories.assignment(course)
    cohort = factories.cohort(course, region_code="5371")
    trainer = factories.trainer_of(course, region_code="5371")
    enrollments = [factories.participant_in(cohort, full_name=f"Peserta {n}")[1] for n in range(7)]
    _waiting(assignment, enrollments)
    login(trainer)
    page = client.get("/beranda").get_data(as_text=True)
    assert re.search(r'id="nav-waiting" class="nav-badge">4\+<', page)  # the cap of 100 reads "99+"
    queue = client.get("/penilaian").get_data(as_text=True)
    assert "7 menunggu penilaian" in queue
    assert queues.waiting_count(trainer, cap=5) == 5 and queues.waiting_count(trainer) == 7


def test_a_region_trainer_counts_and_lists_the_same_waiting_submissions(app, client, login):
    """The queue's rows (the rule checked per row) and its count (the rule as a UNION of enrolments)
    agree: a region trainer of a national course sees their cohort and the participants living in
    their region, not another region's."""
    from tests.regions.scope_world import KAB_KUPANG
    from kopedu.regions.models import Region

    factories.kupang_regions()
    db.session.add_all(Region(code=c, name=n, level=lv, parent_code=p) for c, n, lv, p in KAB_KUPANG)
    course = factories.course(title="Nasional")
    assignment = factories.assignment(course)
    mine = factories.cohort(course, name="Angkatan Kupang", region_code="5371")
    far = factories.cohort(course, name="Angkatan Jauh", region_code="5303")
    trainer = factories.trainer_of(course, region_code="5371")
    mine.trainers.append(trainer)
    near = [factories.participant_in(mine, full_name=f"Dekat {n}")[1] for n in range(3)]
    away = [factories.participant_in(far, village_code="5303100005", full_name=f"Jauh {n}")[1] for n in range(2)]
    # lives in Kota Kupang but attends the far cohort: the trainer's region covers them
    moved = factories.participant_in(far, full_name="Pindahan Kupang")[1]
    _waiting(assignment, near + away + [moved])
    login(trainer)
    queue = client.get("/penilaian").get_data(as_text=True)
    assert "4 menunggu penilaian" in queue
    assert "Dekat 0" in queue and "Pindahan Kupang" in queue and "Jauh 0" not in queue
    assert re.search(r'id="nav-waiting" class="nav-badge">4<', client.get("/beranda").get_data(as_text=True))
