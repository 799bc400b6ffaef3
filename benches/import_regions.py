"""Time the import of the full BPS region list (80,534 villages) into an empty database.

    python benches/import_regions.py [/path/to/wilayah] [DATABASE_URL]

Defaults: ../shared/data/wilayah beside the project, and a fresh SQLite file in a temp folder.
Runs the import twice: the first fills the table, the second shows the cost of an idempotent re-run.
"""
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kopedu import create_app  # noqa: E402
from kopedu.extensions import db  # noqa: E402
from kopedu.regions.services import import_regions  # noqa: E402


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[2] / "shared" / "data" / "wilayah"
    with tempfile.TemporaryDirectory() as tmp:
        url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tmp}/regions.sqlite3"
        app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
        with app.app_context():
            db.drop_all()
            db.create_all()
            for run in ("first import", "re-import (no changes)"):
                started = time.perf_counter()
                counts = import_regions(source)
                db.session.commit()
                elapsed = time.perf_counter() - started
                print(f"{run}: {sum(counts.values()):,} rows {counts} in {elapsed:.2f} s on {db.engine.dialect.name}")
            db.drop_all()


if __name__ == "__main__":
    main()
