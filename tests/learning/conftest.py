import pytest

from kopedu.extensions import db
from tests import factories


@pytest.fixture
def course(app):
    """A published, sequential course: one module of four reading lessons."""
    return factories.course(lessons=4, sequential=True, self_enroll=False)


@pytest.fixture
def participant(app, course):
    user = factories.user()
    factories.enrollment(user, course)
    db.session.commit()
    return user


def lessons_of(course):
    return [lesson for module in course.modules for lesson in module.lessons]


def lesson_url(course, lesson, suffix=""):
    return f"/kursus/{course.slug}/pelajaran/{lesson.id}{suffix}"


@pytest.fixture
def progress_signals(monkeypatch):
    """Enrollment ids emitted with the event progress_changed (kopedu.events) during the test."""
    from kopedu import events

    received = []
    emit = events.emit

    def recording(name, *args, **kwargs):
        if name == "progress_changed":
            received.append(args[0].id)
        return emit(name, *args, **kwargs)

    monkeypatch.setattr(events, "emit", recording)
    return received
