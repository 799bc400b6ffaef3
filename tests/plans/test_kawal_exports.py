"""The kawal tables of a region at national size: read by keyset a chunk at a time (every plan once, in
order), built in the background when the region is large, scoped to the viewer's region (a region
admin is not national)."""
import csv
import io

import pytest
from sqlalchemy import select

from kopedu.certificates import jobs
from kopedu.extensions import db
from kopedu.plans import kawal_exports
from kopedu.plans.kawal_models import KawalPlan
from kopedu.reports import exports
from kopedu.reports.models import ReportExport
from tests import factories
from tests.plans.kawal_world import passed_plan

VILLAGES = ["5371030011", "5371030013", "5371020002", "5371010011", "5371030011"]


@pytest.fixture
def plans(app, regions):
    from tests.regions.scope_world import KAB_KUPANG
    from kopedu.regions.models import Region

    db.session.add_all(Region(code=c, name=n, level=lv, parent_code=p) for c, n, lv, p in KAB_KUPANG)
    first = passed_plan(VILLAGES[0], full_name="Ketua 0")
    course = first[1].assignment.lesson.module.course
    for number, village in enumerate(VILLAGES[1:] + ["5303100005"], 1):
        passed_plan(village, full_name=f"Ketua {number}", course=course, assignment=first[1].assignment,
                    trainer=first[2])
    db.session.commit()
    return db.session.scalars(select(KawalPlan).order_by(KawalPlan.village_code, KawalPlan.id)).all()


def _csv(response):
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig")), delimiter=";"))


def test_rows_are_read_a_chunk_at_a_time_each_once_in_order(plans, monkeypatch):
    monkeypatch.setattr(kawal_exports, "CHUNK", 2)
    rows = list(kawal_exports.plan_rows(("5371",)))
    assert [r[1] for r in rows] == [p.village_code for p in plans if p.village_code.startswith("5371")]
    assert len(rows) == 5 and kawal_exports.count(("5371",), "plans", cap=100) == 5
    assert kawal_exports.count((), "plans", cap=3) == 3


def test_a_large_region_is_built_in_the_background(plans, client, login, app, monkeypatch):
    monkeypatch.setitem(app.config, "EXPORT_BACKGROUND_ROWS", 2)
    monkeypatch.setattr(kawal_exports, "CHUNK", 2)
    login(factories.user("admin"))
    first = client.get("/kawal/wilayah/rencana.csv")
    assert first.mimetype == "text/html" and "disiapkan" in first.get_data(as_text=True)
    assert jobs.wait_for_workers(60)
    done = db.session.scalars(select(ReportExport)).one()
    assert done.state == "done" and done.done == 6
    rows = _csv(client.get("/kawal/wilayah/rencana.csv"))
    assert rows[0][0] == "Koperasi" and sorted(r[1] for r in rows[1:]) == sorted(p.village_code for p in plans)


def test_a_small_region_is_written_in_the_request(plans, client, login):
    login(factories.user("observer", region_code="5371030"))
    response = client.get("/kawal/wilayah/rencana.csv")
    assert response.mimetype == "text/csv"
    assert sorted(r[1] for r in _csv(response)[1:]) == ["5371030011", "5371030011", "5371030013"]
    assert db.session.scalar(select(ReportExport)) is None


def test_a_region_admin_follows_their_region_only(plans, client, login):
    login(factories.user("admin", region_code="5371"))
    page = client.get("/kawal/wilayah").get_data(as_text=True)
    far = next(p for p in plans if p.village_code == "5303100005")
    near = next(p for p in plans if p.village_code == "5371020002")
    assert f"/kawal/rencana/{near.id}" in page and f"/kawal/rencana/{far.id}\"" not in page  # Kabupaten's
    codes = [r[1] for r in _csv(client.get("/kawal/wilayah/rencana.csv"))[1:]]
    assert codes and all(code.startswith("5371") for code in codes)
    assert client.get("/kawal/wilayah?wilayah=5303").status_code == 403
