"""Trainers grade with the rubric: the queue, inline grading with out-of-band updates, every grading
kept, the submission_graded event for certificates, and who may grade what."""
import re

import pytest
from sqlalchemy import func, select

from kopedu import events
from kopedu.extensions import db
from kopedu.grading import queue as queues
from kopedu.grading import services
from kopedu.grading.models import Grade, Submission
from tests import factories


def submit(assignment, enrollment, text="Rencana bisnis koperasi.", app=None):
    from flask import current_app

    version = services.submit(assignment, enrollment, text=text, files=[],
                              upload_dir=current_app.config["UPLOAD_DIR"])
    db.session.commit()
    return version.submission


@pytest.fixture
def world(app):
    course = factories.course(title="Kursus Pengurus")
    assignment = factories.assignment(course, title="Tugas rencana bisnis")
    trainer = factories.trainer_of(course, full_name="Maria Seran")
    people = []
    for name in ("Yuliana Ndun", "Daniel Manafe", "Fransiska Kase"):
        user = factories.user(full_name=name, position="Ketua", cooperative_id=factories.cooperative().id)
        people.append((user, factories.enrollment(user, course)))
    other_course = factories.course(title="Kursus Lain")
    other_assignment = factories.assignment(other_course, title="Tugas kursus lain")
    other_trainer = factories.trainer_of(other_course)
    outsider = factories.user(full_name="Peserta Kursus Lain")
    outsider_enrollment = factories.enrollment(outsider, other_course)
    db.session.commit()
    return dict(course=course, assignment=assignment, trainer=trainer, people=people,
                other_assignment=other_assignment, other_trainer=other_trainer, outsider=outsider,
                outsider_enrollment=outsider_enrollment)


def fresh(submission_id):
    """The submission as the database has it now (the requests ran in their own sessions)."""
    db.session.expire_all()
    return db.session.get(Submission, submission_id)


def levels(assignment, points):
    return {f"c-{c.id}": str(points) for c in assignment.criteria}


def test_queue_shows_only_the_trainers_courses_and_filters(client, login, world):
    for user, enrollment in world["people"]:
        submit(world["assignment"], enrollment)
    submit(world["other_assignment"], world["outsider_enrollment"])
    login(world["trainer"])
    html = client.get("/penilaian").get_data(as_text=True)
    assert "Yuliana Ndun" in html and "Daniel Manafe" in html
    assert "Peserta Kursus Lain" not in html
    assert "3 menunggu penilaian" in html
    assert 'id="nav-waiting" class="nav-badge">3' in html

    search = client.get("/penilaian?q=daniel", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Daniel Manafe" in search and "Yuliana Ndun" not in search
    assert "<html" not in search  # a fragment for htmx
    graded = client.get("/penilaian?status=lulus").get_data(as_text=True)
    assert "Tidak ada kiriman yang cocok." in graded
    by_assignment = client.get(f"/penilaian?tugas={world['other_assignment'].id}&status=").get_data(as_text=True)
    assert "Peserta Kursus Lain" not in by_assignment


def test_cohort_filter_appears_when_cohorts_exist(client, login, world):
    user, enrollment = world["people"][0]
    submit(world["assignment"], enrollment)
    login(world["trainer"])
    assert 'name="angkatan"' not in client.get("/penilaian").get_data(as_text=True)
    first = factories.cohort(world["course"], name="Angkatan I")
    factories.cohort(world["course"], name="Angkatan II")
    enrollment.cohort_id = first.id
    db.session.commit()
    html = client.get("/penilaian").get_data(as_text=True)
    assert 'name="angkatan"' in html and "Angkatan II" in html
    assert "Yuliana Ndun" in client.get(f"/penilaian?angkatan={first.id}").get_data(as_text=True)
    others = [c for c in queues.queue_choices(world["trainer"], None).cohorts if c.id != first.id]
    assert "Yuliana Ndun" not in client.get(f"/penilaian?angkatan={others[0].id}").get_data(as_text=True)


def test_inline_grading_returns_panel_row_and_counts_out_of_band(client, login, world, monkeypatch):
    received = []
    emit = events.emit

    def recording(name, *args, **kwargs):
        if name == "submission_graded":
            received.append((args[0], kwargs["grade"].outcome))
        return emit(name, *args, **kwargs)

    monkeypatch.setattr(events, "emit", recording)
    try:
        submissions = [submit(world["assignment"], e) for _, e in world["people"]]
        login(world["trainer"])
        target = submissions[0]
        panel = client.get(f"/penilaian/{target.id}?ctx=queue", headers={"HX-Request": "true"})
        assert panel.status_code == 200
        assert "Rencana bisnis koperasi." in panel.get_data(as_text=True)
        data = {"version": "1", "ctx": "queue", "outcome": "perlu_revisi",
                "feedback": "Tambahkan data jumlah anggota.", **levels(world["assignment"], 2)}
        response = client.post(f"/penilaian/{target.id}/nilai", data=data, headers={"HX-Request": "true"})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "Nilai tersimpan: Perlu revisi." in html
        assert re.search(rf'<tr id="row-{target.id}" class="queue-row" hx-swap-oob="true">', html)
        assert '<span id="waiting-count" class="waiting" hx-swap-oob="true">2 menunggu penilaian</span>' in html
        assert 'id="nav-waiting" class="nav-badge" hx-swap-oob="true">2' in html
    finally:
        monkeypatch.undo()
    grade = db.session.scalar(select(Grade))
    assert grade.outcome == "perlu_revisi" and grade.points == 4 and grade.max_points == 8 and grade.percent == 50
    assert [s["title"] for s in grade.scores] == ["Potensi lokal", "Rencana keuangan"]
    assert grade.grader_id == world["trainer"].id and grade.feedback == "Tambahkan data jumlah anggota."
    assert fresh(target.id).status == "perlu_revisi"
    assert len(received) == 1 and received[0][1] == "perlu_revisi"
    assert received[0][0].id == world["people"][0][1].id  # sender: the Enrollment


def test_grading_without_javascript_redirects_to_the_queue(client, login, world):
    submission = submit(world["assignment"], world["people"][0][1])
    login(world["trainer"])
    data = {"version": "1", "outcome": "lulus", "feedback": "", **levels(world["assignment"], 4)}
    response = client.post(f"/penilaian/{submission.id}/nilai", data=data)
    assert response.status_code == 303 and response.headers["Location"].endswith("/penilaian")
    assert fresh(submission.id).status == "lulus"


@pytest.mark.parametrize("change, message", [
    ({"outcome": "lulus", "c-skip": True}, "Pilih satu tingkat untuk kriteria ini."),
    ({"outcome": "perlu_revisi", "feedback": ""}, "Tulis umpan balik"),
    ({"outcome": "lulus", "points": 2}, "Nilai 50% di bawah batas lulus 70%"),
    ({"outcome": "entah"}, "Pilih hasil"),
    ({"outcome": "lulus", "points": 3}, "Pilih satu tingkat"),  # 3 is not a level of this rubric
])
def test_bad_grades_are_refused_with_a_message_and_nothing_saved(client, login, world, change, message):
    submission = submit(world["assignment"], world["people"][0][1])
    login(world["trainer"])
    data = {"version": "1", "ctx": "queue", "feedback": change.get("feedback", "Catatan."),
            "outcome": change["outcome"], **levels(world["assignment"], change.get("points", 4))}
    if change.get("c-skip"):
        data.pop(f"c-{world['assignment'].criteria[0].id}")
    response = client.post(f"/penilaian/{submission.id}/nilai", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Grade)) == 0
    assert fresh(submission.id).status == "menunggu"


def test_a_new_version_sent_while_grading_is_not_graded_blindly(client, login, world):
    submission = submit(world["assignment"], world["people"][0][1])
    submit(world["assignment"], world["people"][0][1], text="Versi 2")
    login(world["trainer"])
    data = {"version": "1", "outcome": "lulus", "feedback": "", **levels(world["assignment"], 4)}
    response = client.post(f"/penilaian/{submission.id}/nilai", data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "mengirim versi baru" in response.get_data(as_text=True)


def test_every_grading_is_kept(client, login, world):
    submission = submit(world["assignment"], world["people"][0][1])
    login(world["trainer"])
    for outcome, points in (("tidak_lulus", 0), ("lulus", 4)):
        data = {"version": "1", "outcome": outcome, "feedback": "Dinilai ulang.", **levels(world["assignment"], points)}
        assert client.post(f"/penilaian/{submission.id}/nilai", data=data).status_code == 303
    grades = db.session.scalars(select(Grade).order_by(Grade.id)).all()
    assert [(g.outcome, g.points) for g in grades] == [("tidak_lulus", 0), ("lulus", 8)]
    assert fresh(submission.id).status == "lulus"
    page = client.get(f"/penilaian/{submission.id}").get_data(as_text=True)
    assert page.count('class="grade-result"') == 2


def test_trainer_of_another_course_and_participants_cannot_grade(client, login, world, app):
    submission = submit(world["assignment"], world["people"][0][1])
    data = {"version": "1", "outcome": "lulus", "feedback": "", **levels(world["assignment"], 4)}
    login(world["other_trainer"])
    assert client.get(f"/penilaian/{submission.id}").status_code == 403
    assert client.post(f"/penilaian/{submission.id}/nilai", data=data).status_code == 403
    assert "Yuliana Ndun" not in client.get("/penilaian?status=").get_data(as_text=True)
    participant = app.test_client()
    login(world["people"][1][0], c=participant)
    assert participant.get(f"/penilaian/{submission.id}").status_code == 403
    assert participant.post(f"/penilaian/{submission.id}/nilai", data=data).status_code == 403
    assert participant.get("/penilaian").status_code == 403
    observer = app.test_client()
    login(factories.user("observer"), c=observer)
    assert observer.get(f"/penilaian/{submission.id}").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Grade)) == 0
    admin = app.test_client()
    login(factories.user("admin"), c=admin)
    assert admin.get(f"/penilaian/{submission.id}").status_code == 200


def test_assignments_passed(world, app):
    user, enrollment = world["people"][0]
    course = world["course"]
    optional = factories.assignment(course, title="Tugas tambahan", required=False)
    hidden = factories.assignment(course, title="Tugas draf", published=False)
    db.session.commit()
    assert services.assignments_passed(enrollment) is False
    submission = submit(world["assignment"], enrollment)
    assert services.assignments_passed(enrollment) is False
    services.grade(submission, world["trainer"], version_number=1, outcome="perlu_revisi", feedback="Perbaiki.",
                   levels={c.id: 2 for c in world["assignment"].criteria})
    assert services.assignments_passed(enrollment) is False
    submit(world["assignment"], enrollment, text="Versi 2")
    services.grade(submission, world["trainer"], version_number=2, outcome="lulus", feedback="",
                   levels={c.id: 4 for c in world["assignment"].criteria})
    assert services.assignments_passed(enrollment) is True  # optional and draft assignments do not count
    assert optional.id and hidden.id
    no_assignments = factories.course()
    other = factories.enrollment(user, no_assignments)
    assert services.assignments_passed(other) is True


def test_open_assignments_lists_work_not_yet_passed_with_due_dates(world, app):
    user, enrollment = world["people"][0]
    later = factories.assignment(world["course"], title="Rencana aksi", due_days=21)
    db.session.commit()
    items = services.still_open(services.my_assignments(user))
    assert [i.lesson.title for i in items] == ["Rencana aksi", "Tugas rencana bisnis"]  # dated first
    assert items[0].due_at == enrollment.enrolled_at + __import__("datetime").timedelta(days=21)
    assert items[1].status is None
    with app.test_request_context():
        assert items[1].status_label == "Belum dikirim"
    submission = submit(world["assignment"], enrollment)
    services.grade(submission, world["trainer"], version_number=1, outcome="lulus", feedback="",
                   levels={c.id: 4 for c in world["assignment"].criteria})
    db.session.commit()
    assert [i.lesson.title for i in services.still_open(services.my_assignments(user))] == ["Rencana aksi"]
    assert later.id


def test_queue_query_count_does_not_grow_with_submissions(client, login, world, app, count_queries):
    login(world["trainer"])
    submit(world["assignment"], world["people"][0][1])
    with count_queries() as few:
        assert client.get("/penilaian").status_code == 200
    for n in range(12):
        user = factories.user(full_name=f"Peserta {n}", cooperative_id=factories.cooperative().id)
        submit(world["assignment"], factories.enrollment(user, world["course"]))
    with count_queries() as many:
        html = client.get("/penilaian").get_data(as_text=True)
    assert "Peserta 11" in html
    assert many.count == few.count


def test_a_fixed_due_date_ends_at_local_midnight(world, app):
    from datetime import date

    assignment = world["assignment"]
    assignment.due_date = date(2026, 12, 15)
    deadline = assignment.due_at(None)
    assert deadline.utcoffset().total_seconds() == 0
    assert deadline.isoformat() == "2026-12-15T15:59:59+00:00"  # 23:59:59 WITA (UTC+8)


def test_late_work_is_marked_in_the_queue(client, login, world):
    from datetime import timedelta

    from kopedu.db import utcnow

    user, enrollment = world["people"][0]
    world["assignment"].due_days = 3
    enrollment.enrolled_at = utcnow() - timedelta(days=5)
    db.session.commit()
    submit(world["assignment"], enrollment)
    submit(world["assignment"], world["people"][1][1])  # enrolled now: on time
    login(world["trainer"])
    html = client.get("/penilaian").get_data(as_text=True)
    rows = re.findall(r'<tr id="row-\d+" class="queue-row">.*?</tr>', html, re.S)
    late = [r for r in rows if "terlambat" in r]
    assert len(rows) == 2 and len(late) == 1 and "Yuliana Ndun" in late[0]
