"""The resumable upload's chunk protocol: chunks at the server's offset, a resume after a cut, refusals
(wrong offset, oversize, wrong type, another user's upload), and the finished file claimed by the
assignment it was sent for — in the file store, never half there."""
import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from kopedu.extensions import db
from kopedu.grading.models import Submission
from kopedu.resumable import services
from kopedu.resumable.models import ResumableUpload, UploadChunk
from tests import factories
from tests.grading import samples


@pytest.fixture
def setup(app):
    course = factories.course(title="Penguatan Kapasitas")
    assignment = factories.assignment(course)
    participant = factories.user(full_name="Yuliana Ndun", cooperative_id=factories.cooperative().id)
    other = factories.user(full_name="Fransiska Kase")
    factories.enrollment(participant, course)
    factories.enrollment(other, course)
    db.session.commit()
    return dict(assignment=assignment, participant=participant, other=other, lesson_id=assignment.lesson_id)


def _pdf(size: int = 150_000) -> bytes:
    body = samples.pdf()
    return body[:-6] + b"%" + b"x" * (size - len(body) - 2) + b"\n" + body[-6:]


def start(client, lesson_id, name="rencana.pdf", size=150_000, purpose="tugas"):
    return client.post("/unggah", data={"purpose": purpose, "target": lesson_id, "name": name, "size": size})


def patch(client, upload_id, offset, data):
    return client.patch(f"/unggah/{upload_id}", data=data, headers={"Upload-Offset": str(offset)},
                        content_type="application/offset+octet-stream")


def stored(app) -> list[Path]:
    root = Path(app.config["UPLOAD_DIR"]) / "submissions"
    return sorted(p for p in root.glob("*") if p.is_file()) if root.exists() else []


def test_chunks_at_the_offset_resume_after_a_cut_and_the_file_is_claimed_by_the_submission(client, login, setup, app):
    login(setup["participant"])
    data = _pdf()
    response = start(client, setup["lesson_id"], size=len(data))
    assert response.status_code == 201
    upload_id = response.json["id"]
    assert response.json["offset"] == 0 and response.headers["Location"].endswith(upload_id)

    assert patch(client, upload_id, 0, data[:65536]).json["offset"] == 65536
    # the connection dropped while the second chunk was on its way: the phone asks where to go on
    status = client.get(f"/unggah/{upload_id}")
    assert status.status_code == 200 and status.json == {**status.json, "offset": 65536, "done": False}
    assert not stored(app)  # nothing in the store while the upload is partial: the chunks are rows
    assert db.session.scalar(select(func.count()).select_from(UploadChunk)) == 1
    response = patch(client, upload_id, 65536, data[65536:131072])
    assert response.json["offset"] == 131072 and not response.json["done"]
    response = patch(client, upload_id, 131072, data[131072:])
    assert response.status_code == 200 and response.json["done"] is True

    files = stored(app)
    assert len(files) == 1 and files[0].read_bytes() == data
    assert db.session.scalar(select(func.count()).select_from(UploadChunk)) == 0

    response = client.post(f"/tugas/{setup['lesson_id']}/kirim", data={"text": "", "upload": upload_id})
    assert response.status_code == 303, response.get_data(as_text=True)
    submission = db.session.scalar(select(Submission))
    [file] = submission.latest_version.files
    assert file.original_name == "rencana.pdf" and file.size == len(data) and file.kind == "pdf"
    assert file.stored_name == files[0].name
    assert client.get(f"/tugas/berkas/{file.id}/rencana.pdf").get_data() == data

    # an upload is claimed once
    response = client.post(f"/tugas/{setup['lesson_id']}/kirim", data={"text": "", "upload": upload_id})
    assert response.status_code == 422 and submission.version_count == 1


def test_a_wrong_offset_is_refused_with_the_servers_offset(client, login, setup):
    login(setup["participant"])
    data = _pdf()
    upload_id = start(client, setup["lesson_id"], size=len(data)).json["id"]
    patch(client, upload_id, 0, data[:65536])
    # the same chunk again (its answer was lost): refused, nothing appended twice
    response = patch(client, upload_id, 0, data[:65536])
    assert response.status_code == 409 and response.json["offset"] == 65536
    assert response.headers["Upload-Offset"] == "65536"
    # a chunk from further on (one lost in between)
    response = patch(client, upload_id, 131072, data[131072:])
    assert response.status_code == 409 and response.json["offset"] == 65536
    assert patch(client, upload_id, None, b"x").status_code == 409
    assert db.session.get(ResumableUpload, upload_id).offset == 65536


def test_oversize_is_refused_at_the_start_and_beyond_the_declared_size(client, login, setup):
    login(setup["participant"])
    response = start(client, setup["lesson_id"], size=10 * 1024 * 1024 + 1)
    assert response.status_code == 413 and "10 MB" in response.json["error"]
    upload_id = start(client, setup["lesson_id"], size=1000).json["id"]
    response = patch(client, upload_id, 0, b"%PDF-" + b"x" * 1200)
    assert response.status_code == 413
    response = patch(client, upload_id, 0, b"x" * (services.MAX_CHUNK_BYTES + 1))
    assert response.status_code == 413
    assert db.session.get(ResumableUpload, upload_id).offset == 0


def test_wrong_type_is_refused_by_name_and_by_content(client, login, setup, app):
    login(setup["participant"])
    response = start(client, setup["lesson_id"], name="virus.exe", size=100)
    assert response.status_code == 415 and "tidak diterima" in response.json["error"]
    # a name that promises a PDF, a content that is none: refused when the last chunk arrives
    fake = b"MZ" + b"\x00" * 500
    upload_id = start(client, setup["lesson_id"], name="rencana.pdf", size=len(fake)).json["id"]
    response = patch(client, upload_id, 0, fake)
    assert response.status_code == 415 and "bukan berkas PDF" in response.json["error"]
    assert db.session.get(ResumableUpload, upload_id) is None  # removed: the phone starts again
    assert db.session.scalar(select(func.count()).select_from(UploadChunk)) == 0
    assert not stored(app)


def test_another_users_upload_id_is_refused(client, login, setup, app):
    login(setup["participant"])
    data = _pdf(2000)
    upload_id = start(client, setup["lesson_id"], size=len(data)).json["id"]
    patch(client, upload_id, 0, data[:1000])
    other = app.test_client()
    login(setup["other"], c=other)
    assert other.get(f"/unggah/{upload_id}").status_code == 404
    assert patch(other, upload_id, 1000, data[1000:]).status_code == 404
    assert db.session.get(ResumableUpload, upload_id).offset == 1000
    # finished by its owner, it cannot be claimed by the other participant's submission
    patch(client, upload_id, 1000, data[1000:])
    response = other.post(f"/tugas/{setup['lesson_id']}/kirim", data={"text": "", "upload": upload_id})
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_only_participants_of_the_course_may_upload_for_its_assignment(client, login, setup, app):
    stranger = factories.user(full_name="Bukan Peserta")
    db.session.commit()
    login(stranger)
    assert start(client, setup["lesson_id"]).status_code == 403
    assert start(client, setup["lesson_id"], purpose="entah").status_code == 404
    assert client.get("/unggah/" + "0" * 32).status_code == 404


def test_unclaimed_uploads_are_purged_with_their_files(app, setup, client, login):
    from datetime import timedelta

    from kopedu.db import utcnow

    login(setup["participant"])
    data = _pdf(3000)
    done_id = start(client, setup["lesson_id"], size=len(data)).json["id"]
    patch(client, done_id, 0, data)
    partial_id = start(client, setup["lesson_id"], size=len(data)).json["id"]
    patch(client, partial_id, 0, data[:100])
    assert len(stored(app)) == 1
    assert services.purge(app.config["UPLOAD_DIR"], now=utcnow() + timedelta(days=1)) == 0
    assert services.purge(app.config["UPLOAD_DIR"], now=utcnow() + timedelta(days=4)) == 2
    db.session.commit()
    assert not stored(app) and db.session.scalar(select(func.count()).select_from(UploadChunk)) == 0
