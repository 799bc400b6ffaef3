"""`flask kopedu storage-migrate`: copies a local store into the bucket, verifies it, and is idempotent."""
from pathlib import Path

from sqlalchemy import select

from kopedu import storage
from kopedu.extensions import db
from kopedu.grading.models import SubmissionFile
from tests.s3 import client as s3_client, keys, new_bucket, s3_options
from tests.storage.test_backends import _submit
from tests.grading import samples


def test_storage_migrate_copies_verifies_and_is_idempotent(app, client, login, s3_endpoint):
    participant, path = _submit(app)  # a submission, stored on the local folder
    storage.write_file(Path(app.config["UPLOAD_DIR"]) / "certificates" / "2026" / "a.pdf", b"%PDF-sertifikat")
    db.session.commit()
    receiving = Path(app.config["UPLOAD_DIR"]) / "submissions" / "tmp"
    receiving.mkdir(parents=True, exist_ok=True)
    (receiving / "0123abcd").write_bytes(b"an upload being received")
    bucket = new_bucket(s3_endpoint)
    app.config["STORAGE_S3_OPTIONS"] = s3_options(s3_endpoint)
    runner = app.test_cli_runner()
    args = ["kopedu", "storage-migrate", "--to", f"s3://{bucket}/kopedu"]

    dry = runner.invoke(args=args + ["--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 files" in dry.output and "2 copied" in dry.output and keys(s3_endpoint, bucket) == []

    first = runner.invoke(args=args)
    assert first.exit_code == 0, first.output
    assert "2 copied" in first.output and "0 failed" in first.output
    assert keys(s3_endpoint, bucket) == sorted(["kopedu/certificates/2026/a.pdf",
                                                f"kopedu/submissions/{path.name}"])  # tmp/ is not copied

    again = runner.invoke(args=args + ["--verify-content"])
    assert again.exit_code == 0 and "0 copied" in again.output and "2 already there" in again.output

    # An object that differs (a half-finished earlier copy) is copied again.
    s3 = s3_client(s3_endpoint)
    s3.put_object(Bucket=bucket, Key="kopedu/certificates/2026/a.pdf", Body=b"%PDF-sert")
    repaired = runner.invoke(args=args)
    assert "1 copied" in repaired.output and "1 already there" in repaired.output
    assert s3.get_object(Bucket=bucket, Key="kopedu/certificates/2026/a.pdf")["Body"].read() == b"%PDF-sertifikat"

    # The app switched to the bucket serves what was on the folder.
    app.config["STORAGE"] = f"s3://{bucket}/kopedu"
    stored = db.session.scalar(select(SubmissionFile))
    login(participant)
    response = client.get(f"/tugas/berkas/{stored.id}/{stored.original_name}")
    assert response.status_code == 200 and response.data == samples.pdf()


def test_storage_migrate_needs_a_bucket(app):
    result = app.test_cli_runner().invoke(args=["kopedu", "storage-migrate"])
    assert result.exit_code != 0 and "s3://BUCKET/PREFIX" in result.output
