"""Lesson narrations: a trainer uploads (or records) a reading of a lesson; participants who may open the
lesson hear it on the lesson page and get it with the module saved offline; wrong files are refused
with a message and leave nothing behind."""
import io
from pathlib import Path

import pytest
from sqlalchemy import select

from kopedu.courses.models import LessonNarration
from kopedu.extensions import db
from tests import factories

OGG = b"OggS\x00\x02" + bytes(2000)
MP3 = b"ID3\x04\x00\x00" + bytes(3000)
WEBM = b"\x1a\x45\xdf\xa3" + bytes(1500)


@pytest.fixture
def setup(app):
    course = factories.course(lessons=3, sequential=True)
    trainer = factories.trainer_of(course)
    participant = factories.user()
    factories.enrollment(participant, course)
    db.session.commit()
    lessons = [lesson for module in course.modules for lesson in module.lessons]
    return {"course": course, "trainer": trainer, "participant": participant, "lessons": lessons}


def upload(client, lesson, data: bytes, name: str, **fields):
    return client.post(f"/kelola/pelajaran/{lesson.id}/narasi",
                       data={"narasi": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data")


def stored_files(app) -> list[Path]:
    folder = Path(app.config["UPLOAD_DIR"]) / "narrations"
    return sorted(p for p in folder.glob("*") if p.is_file()) if folder.exists() else []


def narration_of(lesson) -> LessonNarration | None:
    db.session.expire_all()
    return db.session.scalar(select(LessonNarration).where(LessonNarration.lesson_id == lesson.id))


def test_a_trainer_uploads_a_narration_and_the_participant_hears_it(app, client, login, setup):
    lesson = setup["lessons"][0]
    login(setup["trainer"])
    response = upload(client, lesson, OGG, "bacaan.opus")
    assert response.status_code == 303
    narration = narration_of(lesson)
    assert narration.kind == "ogg" and narration.content_type == "audio/ogg" and narration.size == len(OGG)
    assert not narration.recorded
    editor = client.get(f"/kelola/pelajaran/{lesson.id}").get_data(as_text=True)
    assert f'src="/kelola/pelajaran/{lesson.id}/narasi/dengar"' in editor and "OGG" in editor

    client = login(setup["participant"], c=app.test_client())
    page = client.get(f"/kursus/{setup['course'].slug}/pelajaran/{lesson.id}").get_data(as_text=True)
    url = f"/kursus/{setup['course'].slug}/pelajaran/{lesson.id}/narasi"
    assert f'<audio controls preload="none" src="{url}"' in page and "Dengarkan narasi dari pelatih" in page
    audio = client.get(url)
    assert audio.status_code == 200 and audio.data == OGG and audio.mimetype == "audio/ogg"


def test_the_narration_of_a_locked_lesson_is_refused_and_other_courses_see_nothing(app, client, login, setup):
    course, third = setup["course"], setup["lessons"][2]
    login(setup["trainer"])
    upload(client, third, MP3, "bacaan.mp3")
    client = login(setup["participant"], c=app.test_client())  # lesson 3 of a sequential course: locked
    assert client.get(f"/kursus/{course.slug}/pelajaran/{third.id}/narasi").status_code == 409
    outsider = factories.user()
    db.session.commit()
    client = login(outsider, c=app.test_client())
    refused = client.get(f"/kursus/{course.slug}/pelajaran/{third.id}/narasi")  # not enrolled: to the course page
    assert refused.status_code == 303 and refused.headers["Location"].endswith(f"/kursus/{course.slug}")
    other_course = factories.course(lessons=1)
    factories.enrollment(outsider, other_course)
    db.session.commit()
    # a lesson id of another course under this course's address: as missing
    assert client.get(f"/kursus/{other_course.slug}/pelajaran/{third.id}/narasi").status_code == 404


def test_a_recording_replaces_the_old_narration_whose_file_goes_after_the_commit(app, client, login, setup):
    lesson = setup["lessons"][0]
    login(setup["trainer"])
    upload(client, lesson, MP3, "lama.mp3")
    old = stored_files(app)
    assert len(old) == 1
    upload(client, lesson, WEBM, "narasi.webm", direkam="1")
    narration = narration_of(lesson)
    assert narration.kind == "webm" and narration.recorded
    assert stored_files(app) == [Path(app.config["UPLOAD_DIR"]) / "narrations" / narration.stored_name]
    client.post(f"/kelola/pelajaran/{lesson.id}/narasi/hapus")
    assert narration_of(lesson) is None and stored_files(app) == []


@pytest.mark.parametrize("data,name,message", [
    (b"%PDF-1.4 not audio", "bacaan.pdf", "tidak diterima"),
    (b"plain text pretending", "bacaan.mp3", "bukan berkas MP3 yang sah"),
    (b"", "kosong.ogg", "kosong"),
])
def test_a_file_that_is_not_audio_is_refused_and_nothing_is_kept(app, client, login, setup, data, name, message):
    lesson = setup["lessons"][0]
    login(setup["trainer"])
    response = upload(client, lesson, data, name)
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert message in page
    assert narration_of(lesson) is None and stored_files(app) == []


def test_a_narration_over_the_cap_is_refused(app, client, login, setup, monkeypatch):
    from kopedu.courses import narration

    monkeypatch.setattr(narration, "MAX_BYTES", 1024)
    login(setup["trainer"])
    response = upload(client, setup["lessons"][0], OGG, "panjang.ogg")
    assert "lebih dari" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert stored_files(app) == []


def test_a_trainer_of_another_course_cannot_attach_or_delete(app, client, login, setup):
    lesson = setup["lessons"][0]
    other = factories.trainer_of(factories.course(lessons=1))
    db.session.commit()
    login(other)
    assert upload(client, lesson, OGG, "x.ogg").status_code == 403
    assert client.post(f"/kelola/pelajaran/{lesson.id}/narasi/hapus").status_code == 403
    assert narration_of(lesson) is None


def test_deleting_the_lesson_removes_its_narration_file(app, client, login, setup):
    lesson = setup["lessons"][1]
    login(setup["trainer"])
    upload(client, lesson, OGG, "x.ogg")
    assert len(stored_files(app)) == 1
    client.post(f"/kelola/pelajaran/{lesson.id}/hapus")
    assert stored_files(app) == []


def test_the_saved_module_includes_the_narration_within_its_own_cap(app, client, login, setup, monkeypatch):
    from kopedu.learning import offline

    course, first = setup["course"], setup["lessons"][0]
    login(setup["trainer"])
    upload(client, first, OGG, "x.ogg")
    client = login(setup["participant"], c=app.test_client())
    page = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    url = f"/kursus/{course.slug}/pelajaran/{first.id}/narasi"
    assert url in page  # among the files the phone saves with the module
    monkeypatch.setattr(offline, "AUDIO_LIMIT", 1000)
    page = client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    assert url not in page and "Narasi tidak ikut disimpan" in page and first.title in page


def test_the_lesson_page_offers_listening(app, client, login, setup):
    course, first = setup["course"], setup["lessons"][0]
    login(setup["participant"])
    page = client.get(f"/kursus/{course.slug}/pelajaran/{first.id}").get_data(as_text=True)
    assert 'data-listen="#lesson-text"' in page and 'id="lesson-text"' in page
    assert "/static/js/listen.js" in page
    # the button stays hidden until the script finds an Indonesian voice
    assert "data-listen-play hidden" in page


def test_only_the_lesson_editor_may_use_the_microphone(app, client, login, setup):
    login(setup["trainer"])
    editor = client.get(f"/kelola/pelajaran/{setup['lessons'][0].id}")
    assert "microphone=(self)" in editor.headers["Permissions-Policy"]
    assert "microphone=()" in client.get("/beranda").headers["Permissions-Policy"]
