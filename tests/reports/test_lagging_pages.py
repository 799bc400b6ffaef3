"""The falling-behind list pages by keyset on (activity_at, enrollment_id): next/previous links, the
same order as one long list, the filters carried along."""
import re
from datetime import timedelta

from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.reports import routes
from tests import factories


def test_lagging_list_keyset_pages(app, client, login, monkeypatch):
    monkeypatch.setattr(routes, "PER_PAGE", 3)
    factories.kupang_regions()
    course = factories.course(lessons=4)
    cohort = factories.cohort(course=course)
    now = utcnow()
    for number in range(8):  # all behind (0 %); days idle 30, 29, … : oldest first; two share a day
        _user, enrollment = factories.participant_in(cohort, full_name=f"Tertinggal {number}")
        enrollment.enrolled_at = now - timedelta(days=40)
        enrollment.last_activity_at = now - timedelta(days=30 - (number if number != 5 else 4))
    db.session.commit()
    login(factories.user("admin"))

    def names(html):
        return re.findall(r"Tertinggal \d", html)

    def link(html, rel):
        found = re.search(rf'rel="{rel}" href="([^"]+)"', html)
        return found.group(1).replace("&amp;", "&") if found else None

    pages = [client.get("/pantau/wilayah/5371/tertinggal").get_data(as_text=True)]
    while link(pages[-1], "next"):
        pages.append(client.get(link(pages[-1], "next")).get_data(as_text=True))
    assert [len(names(p)) for p in pages] == [3, 3, 2]
    seen = [n for p in pages for n in names(p)]
    assert sorted(seen) == [f"Tertinggal {n}" for n in range(8)] and len(set(seen)) == 8
    assert seen[:4] == ["Tertinggal 0", "Tertinggal 1", "Tertinggal 2", "Tertinggal 3"]
    assert link(pages[0], "prev") is None
    back = client.get(link(pages[2], "prev")).get_data(as_text=True)
    assert names(back) == names(pages[1])
    back = client.get(link(pages[1], "prev")).get_data(as_text=True)
    assert names(back) == names(pages[0]) and link(back, "prev") is None
    assert client.get("/pantau/wilayah/5371/tertinggal?sesudah=xyz").status_code == 200


def test_lagging_export_reads_by_keyset_chunks_in_order(app, client, login):
    from kopedu.reports import services

    factories.kupang_regions()
    course = factories.course(lessons=4)
    cohort = factories.cohort(course=course)
    now = utcnow()
    for number in range(7):
        _user, enrollment = factories.participant_in(cohort, full_name=f"Tertinggal {number}")
        enrollment.enrolled_at = now - timedelta(days=40)
        enrollment.last_activity_at = now - timedelta(days=30 - number)
    db.session.commit()
    rows = list(services.iter_behind_rows(services.Scope(region_code="5371"), services.Filters(now=now), chunk=3))
    assert [r.full_name for r in rows] == [f"Tertinggal {n}" for n in range(7)]
    login(factories.user("admin"))
    body = client.get("/pantau/wilayah/5371/tertinggal/ekspor.csv").get_data(as_text=True)
    assert [line.split(";")[0] for line in body.lstrip("\ufeff").splitlines()[1:]] == [
        f"Tertinggal {n}" for n in range(7)]
