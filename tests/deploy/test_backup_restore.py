"""deploy/backup.sh and deploy/restore.sh against a throwaway PostgreSQL server: back up, lose the
database and the uploads, restore, and find the participant, their progress and their certificate PDF
(byte for byte) again; a damaged backup and a non-empty target are refused."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from kopedu.auth.models import User
from kopedu.certificates import codes, jobs, services
from kopedu.certificates.models import Certificate
from kopedu.extensions import db
from kopedu.learning.models import LessonProgress
from kopedu.learning.services import enroll
from tests import factories
from tests.certificates.helpers import complete
from tests.faults.conftest import make_app

ROOT = Path(__file__).resolve().parents[2]


def _script(name: str, *args: str, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(["bash", str(ROOT / "deploy" / name), *args], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def _admin(pg):
    return psycopg.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname="postgres", autocommit=True)


def _recreate(pg, name: str) -> None:
    with _admin(pg) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_backup_then_restore_after_losing_everything(pg, tmp_path):
    url = pg.create_database("kopedu")
    uploads = tmp_path / "uploads"
    app = make_app(url, uploads)
    with app.app_context():
        factories.kupang_regions()
        coop = factories.cooperative("5371030011")
        course = factories.course(lessons=3, sequential=False)
        user = factories.user(full_name="Yuliana Ndun", cooperative_id=coop.id, phone="6281299550001")
        certificate = services.live_certificate(complete(enroll(user, course)).id)
        db.session.commit()
        assert jobs.wait_for_workers(60)  # the PDF is rendered after the commit
        certificate_id, verify_code, pdf_path = certificate.id, certificate.verify_code, certificate.pdf_path
        counts = (db.session.scalar(select(func.count()).select_from(User)),
                  db.session.scalar(select(func.count()).select_from(LessonProgress)))
        db.session.remove()
        db.engine.dispose()
    before = _files(uploads)
    assert pdf_path in before

    env = {"DATABASE_URL": url, "KOPEDU_UPLOAD_DIR": str(uploads), "PG_BINDIR": str(pg.bindir)}
    made = _script("backup.sh", str(tmp_path / "backups"), env=env)
    backup = Path(made.stdout.strip().splitlines()[-1])
    assert sorted(p.name for p in backup.iterdir()) == ["MANIFEST", "SHA256SUMS", "database.dump", "uploads.tar.gz"]
    assert not list((tmp_path / "backups").glob(".*partial"))

    # Disaster: the database and the upload folder are gone.
    _recreate(pg, "kopedu")
    shutil.rmtree(uploads)

    restored = _script("restore.sh", str(backup), env=env)
    assert "Restored" in restored.stdout
    assert _files(uploads) == before

    app = make_app(url, uploads)
    with app.app_context():
        assert (db.session.scalar(select(func.count()).select_from(User)),
                db.session.scalar(select(func.count()).select_from(LessonProgress))) == counts
        stored = db.session.get(Certificate, certificate_id)
        assert hashlib.sha256((uploads / stored.pdf_path).read_bytes()).hexdigest() == stored.pdf_sha256
    client = app.test_client()
    assert client.post("/masuk", data={"login": "081299550001", "password": factories.PASSWORD}).status_code == 303
    download = client.get(f"/sertifikat/{certificate_id}/unduh")
    assert download.status_code == 200 and hashlib.sha256(download.data).hexdigest() == before[pdf_path]
    verify = client.get(f"/verifikasi/{codes.display(verify_code)}")
    assert verify.status_code == 200 and "Yuliana Ndun" in verify.get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()

    # Restoring over a database that has tables is refused unless forced; forced, it replaces them.
    refused = _script("restore.sh", str(backup), env=env, check=False)
    assert refused.returncode == 4 and "already has" in refused.stderr
    forced = _script("restore.sh", str(backup), env={**env, "KOPEDU_RESTORE_FORCE": "1"})
    assert "Restored" in forced.stdout
    assert list(tmp_path.glob("uploads.before-restore-*"))  # the folder it replaced is kept


def test_a_damaged_backup_is_refused_and_changes_nothing(pg, tmp_path):
    url = pg.create_database("kopedu")
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "keep.txt").write_text("still here")
    app = make_app(url, uploads)
    with app.app_context():
        db.engine.dispose()
    env = {"DATABASE_URL": url, "KOPEDU_UPLOAD_DIR": str(uploads), "PG_BINDIR": str(pg.bindir)}
    backup = Path(_script("backup.sh", str(tmp_path / "backups"), env=env).stdout.strip().splitlines()[-1])
    dump = backup / "database.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    _recreate(pg, "kopedu")

    result = _script("restore.sh", str(backup), env=env, check=False)
    assert result.returncode == 3 and "damaged" in result.stderr
    assert (uploads / "keep.txt").read_text() == "still here"
    with psycopg.connect(host="127.0.0.1", port=pg.port, user="postgres", dbname="kopedu") as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.tables "
                            "WHERE table_schema = 'public'").fetchone()[0] == 0


def test_backup_refuses_the_sqlite_default(tmp_path):
    result = _script("backup.sh", str(tmp_path), env={"DATABASE_URL": f"sqlite:///{tmp_path}/k.sqlite3"},
                     check=False)
    assert result.returncode == 2 and "not a PostgreSQL URL" in result.stderr
