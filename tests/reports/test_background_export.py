"""A falling-behind list longer than EXPORT_BACKGROUND_ROWS (config) is built in the background into the file
store: the request answers at once (a page that follows the job), then with the finished file, which
everyone asking for the same list shares while it is fresh; a viewer who may not see phone numbers
gets a file of their own. A short list is still written in the request."""
import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest

from kopedu.certificates import jobs
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.reports import exports
from kopedu.reports.models import ReportExport
from tests import factories

PEOPLE = 6


@pytest.fixture
def lagging(app, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_BACKGROUND_ROWS", 3)
    factories.kupang_regions()
    course = factories.course(lessons=4)
    cohort = factories.cohort(course=course)
    now = utcnow()
    for number in range(PEOPLE):
        _user, enrollment = factories.participant_in(cohort, full_name=f"Tertinggal {number}",
                                                     phone=f"6281300000{number:03d}")
        enrollment.enrolled_at = now - timedelta(days=40)
        enrollment.last_activity_at = now - timedelta(days=30 - number)
    db.session.commit()
    return course


def _rows(response):
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_a_long_list_is_built_in_the_background_and_then_served(lagging, client, login, app):
    admin = factories.user("admin")
    db.session.commit()
    login(admin)
    first = client.get("/pantau/tertinggal/ekspor.csv")
    assert first.status_code == 200 and first.mimetype == "text/html"
    assert "disiapkan" in first.get_data(as_text=True)
    assert jobs.wait_for_workers(60)

    poll = client.get("/pantau/tertinggal/ekspor.csv", headers={"HX-Request": "true"})
    html = poll.get_data(as_text=True)
    assert "<html" not in html and "Berkas siap: 6 baris" in html and 'href="/pantau/tertinggal/ekspor.csv"' in html

    download = client.get("/pantau/tertinggal/ekspor.csv")
    assert download.mimetype == "text/csv"
    assert download.headers["Content-Disposition"] == "attachment; filename=tertinggal-indonesia.csv"
    rows = _rows(download)
    assert rows[0][:2] == ["Nama", "HP"] and [r[0] for r in rows[1:]] == [f"Tertinggal {n}" for n in range(PEOPLE)]

    # Another national admin asking for the same list gets the same file: no second job.
    login(factories.user("admin"), c=app.test_client()).get("/pantau/tertinggal/ekspor.csv")
    assert db.session.query(ReportExport).count() == 1


def test_a_viewer_without_phone_numbers_gets_a_file_of_their_own(lagging, client, login, app):
    admin = factories.user("admin")
    observer = factories.user("observer", region_code="5371")
    db.session.commit()
    login(admin).get("/pantau/wilayah/5371/tertinggal/ekspor.csv")
    other = login(observer, c=app.test_client())
    other.get("/pantau/wilayah/5371/tertinggal/ekspor.csv")
    assert jobs.wait_for_workers(60)
    assert db.session.query(ReportExport).count() == 2
    rows = _rows(other.get("/pantau/wilayah/5371/tertinggal/ekspor.csv"))
    assert "HP" not in rows[0] and not any("62813" in cell for row in rows for cell in row)


def test_an_old_file_is_built_again_and_the_older_one_removed(lagging, client, login, app, monkeypatch):
    login(factories.user("admin"))
    client.get("/pantau/wilayah/5371/tertinggal/ekspor.xlsx")
    assert jobs.wait_for_workers(60)
    old = db.session.query(ReportExport).one()
    old_id = old.id
    assert old.state == "done" and old.file_size > 0
    old_path = Path(app.config["UPLOAD_DIR"]) / old.file_path
    assert old_path.is_file()
    assert client.get("/pantau/wilayah/5371/tertinggal/ekspor.xlsx").mimetype.endswith("spreadsheetml.sheet")
    monkeypatch.setattr(exports, "FRESH_SECONDS", 0)
    assert "disiapkan" in client.get("/pantau/wilayah/5371/tertinggal/ekspor.xlsx").get_data(as_text=True)
    assert jobs.wait_for_workers(60)
    db.session.expire_all()
    remaining = db.session.query(ReportExport).all()
    assert len(remaining) == 1 and remaining[0].id != old_id
    assert not old_path.exists()


def test_a_short_list_is_still_written_in_the_request(lagging, client, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_BACKGROUND_ROWS", 100)
    login(factories.user("admin"))
    response = client.get("/pantau/wilayah/5371/tertinggal/ekspor.csv")
    assert response.mimetype == "text/csv" and len(_rows(response)) == PEOPLE + 1
    assert db.session.query(ReportExport).count() == 0


def test_a_failed_build_says_so_and_a_later_request_tries_again(lagging, client, login, app, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(exports, "_write", broken)
    login(factories.user("admin"))
    client.get("/pantau/tertinggal/ekspor.csv")
    assert jobs.wait_for_workers(60)
    page = client.get("/pantau/tertinggal/ekspor.csv").get_data(as_text=True)
    assert "gagal dibuat" in page
    monkeypatch.undo()
    monkeypatch.setitem(app.config, "EXPORT_BACKGROUND_ROWS", 3)
    monkeypatch.setattr(exports, "FAILED_SHOW_SECONDS", 0)
    assert "disiapkan" in client.get("/pantau/tertinggal/ekspor.csv").get_data(as_text=True)
    assert jobs.wait_for_workers(60)
    assert _rows(client.get("/pantau/tertinggal/ekspor.csv"))[1][0] == "Tertinggal 0"
