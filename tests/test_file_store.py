"""One file store (kept on commit, removed on rollback) and one file sender (X-Accel-Redirect for every
stored file when configured)."""
import io
from pathlib import Path

from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from kopedu import storage
from kopedu.extensions import db
from kopedu.grading import services as grading
from kopedu.grading.models import SubmissionFile
from tests import factories
from tests.grading import samples


def _submission(app):
    course = factories.course(lessons=1, sequential=False)
    assignment = factories.assignment(course)
    participant = factories.user(full_name="Yuliana Ndun")
    enrollment = factories.enrollment(participant, course)
    version = grading.submit(assignment, enrollment, text="Rencana bisnis.",
                             files=[FileStorage(io.BytesIO(samples.pdf()), filename="rencana.pdf")],
                             upload_dir=app.config["UPLOAD_DIR"])
    path = grading.submission_dir(app.config["UPLOAD_DIR"]) / version.files[0].stored_name
    return participant, version, path


def test_files_of_a_rolled_back_transaction_are_removed_and_kept_on_commit(app):
    _participant, _version, placed = _submission(app)
    written = storage.write_file(Path(app.config["UPLOAD_DIR"]) / "x" / "lampiran.bin", b"isi")
    assert placed.is_file() and written.is_file()
    assert {str(placed), str(written)} <= set(storage.pending())
    db.session.rollback()
    assert not placed.exists() and not written.exists()

    _participant, _version, kept = _submission(app)
    db.session.commit()
    assert kept.is_file() and storage.pending() == []
    storage.delete_after_commit(kept)
    db.session.rollback()
    assert kept.is_file()  # the deletion did not commit: the file stays
    storage.delete_after_commit(kept)
    db.session.execute(select(1))
    db.session.commit()
    assert not kept.exists()


def test_every_stored_file_goes_through_x_accel_redirect_when_configured(app, client, login):
    participant, version, path = _submission(app)
    db.session.commit()
    stored = db.session.scalar(select(SubmissionFile))
    url = f"/tugas/berkas/{stored.id}/{stored.original_name}"
    login(participant)
    direct = client.get(url)
    assert direct.status_code == 200 and direct.data == path.read_bytes()
    app.config["ACCEL_REDIRECT"] = "/_files/"
    accel = client.get(url)
    assert accel.status_code == 200 and accel.data == b""
    relative = path.relative_to(Path(app.config["UPLOAD_DIR"])).as_posix()
    assert accel.headers["X-Accel-Redirect"] == f"/_files/{relative}"
    assert accel.headers["Content-Disposition"].startswith("inline")  # a PDF opens in the browser
    assert accel.headers["X-Frame-Options"] == "SAMEORIGIN"
