"""The stored progress follows the course when a trainer changes its lessons (adds, deletes,
unpublishes, makes optional), not only when the participant completes something."""
from kopedu.courses import authoring_services as authoring
from kopedu.courses.models import Lesson
from kopedu.extensions import db
from kopedu.learning import recount, services
from kopedu.learning.models import Enrollment
from tests import factories
from tests.learning.conftest import lessons_of


def _done(user, course, count):
    state = services.course_state(services.load_course(course_id=course.id), user)
    for lesson in lessons_of(course)[:count]:
        services.record_completion(state, lesson)
    db.session.commit()


def _stored(enrollment_id):
    db.session.expire_all()
    enrollment = db.session.get(Enrollment, enrollment_id)
    return enrollment.progress_pct, enrollment.completed_at


def test_adding_a_required_lesson_lowers_the_stored_progress(app, course, participant):
    _done(participant, course, 2)
    enrollment_id = db.session.scalar(db.select(Enrollment.id).filter_by(user_id=participant.id))
    assert _stored(enrollment_id)[0] == 50

    lesson = authoring.add_lesson(course.modules[0], title="Pelajaran baru", kind="reading")
    db.session.commit()
    assert _stored(enrollment_id)[0] == 50  # added unpublished: it does not count yet

    lesson = db.session.get(Lesson, lesson.id)
    lesson.published = True
    db.session.commit()
    assert _stored(enrollment_id)[0] == 40  # 2 of 5


def test_removing_the_last_open_lessons_completes_the_course(app, course, participant, progress_signals):
    _done(participant, course, 3)
    enrollment_id = db.session.scalar(db.select(Enrollment.id).filter_by(user_id=participant.id))
    assert _stored(enrollment_id) == (75, None)
    progress_signals.clear()

    last = lessons_of(course)[3]
    authoring.delete(db.session.get(Lesson, last.id))
    db.session.commit()
    pct, completed_at = _stored(enrollment_id)
    assert pct == 100 and completed_at is not None
    assert progress_signals == [enrollment_id]  # the certificate feature hears of it


def test_an_optional_lesson_does_not_count(app, course, participant):
    _done(participant, course, 1)
    enrollment_id = db.session.scalar(db.select(Enrollment.id).filter_by(user_id=participant.id))
    for lesson in lessons_of(course)[2:]:
        db.session.get(Lesson, lesson.id).required = False
    db.session.commit()
    assert _stored(enrollment_id)[0] == 50  # 1 of the 2 that still count


def test_participants_requests_run_no_recount(client, login, course, participant, monkeypatch):
    calls = []
    monkeypatch.setattr(recount, "recount_courses", lambda *args, **kwargs: calls.append(args))
    login(participant)
    first = lessons_of(course)[0]
    client.get(f"/kursus/{course.slug}/pelajaran/{first.id}")
    client.post(f"/kursus/{course.slug}/pelajaran/{first.id}/selesai", headers={"HX-Request": "true"})
    client.get("/beranda")
    assert calls == []


def test_another_course_is_left_alone(app, course, participant):
    other = factories.course(lessons=2)
    other_enrollment = factories.enrollment(participant, other)
    db.session.commit()
    _done(participant, other, 1)
    assert _stored(other_enrollment.id)[0] == 50

    authoring.add_lesson(course.modules[0], title="Tambahan", kind="reading").published = True
    db.session.commit()
    assert _stored(other_enrollment.id)[0] == 50
