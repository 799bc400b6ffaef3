"""/angkatan at national size: keyset pages (newest first, stable), next/previous, search."""
import re

from kopedu.extensions import db
from kopedu.web import keyset
from tests import factories


def names(html):
    return re.findall(r"<strong>(Angkatan Uji \d+)</strong>", html)


def test_cohort_list_pages_next_and_previous(app, client, login, monkeypatch):
    monkeypatch.setattr(keyset, "PAGE_SIZE", 4)
    course = factories.course()
    for number in range(10):
        factories.cohort(course, name=f"Angkatan Uji {number}", code=f"UJI-{number}")
    db.session.commit()
    login(factories.user("admin"))
    first = client.get("/angkatan").get_data(as_text=True)
    assert names(first) == [f"Angkatan Uji {n}" for n in (9, 8, 7, 6)]
    assert 'rel="prev"' not in first
    after = re.search(r'href="(/angkatan\?sesudah=\d+)"', first).group(1)
    second = client.get(after).get_data(as_text=True)
    assert names(second) == [f"Angkatan Uji {n}" for n in (5, 4, 3, 2)]
    third = client.get(re.search(r'href="(/angkatan\?sesudah=\d+)"', second).group(1)).get_data(as_text=True)
    assert names(third) == ["Angkatan Uji 1", "Angkatan Uji 0"] and 'rel="next"' not in third
    back = client.get(re.search(r'href="(/angkatan\?sebelum=\d+)"', third).group(1).replace("&amp;", "&"))
    assert names(back.get_data(as_text=True)) == names(second)
    back = client.get(re.search(r'href="(/angkatan\?sebelum=\d+)"', second).group(1)).get_data(as_text=True)
    assert names(back) == names(first) and 'rel="prev"' not in back


def test_cohort_list_search_and_bad_cursor(app, client, login):
    course = factories.course()
    factories.cohort(course, name="Angkatan Uji 1", code="KPG-1")
    factories.cohort(course, name="Angkatan Uji 2", code="SBA-2")
    db.session.commit()
    login(factories.user("admin"))
    assert names(client.get("/angkatan?q=sba").get_data(as_text=True)) == ["Angkatan Uji 2"]
    assert names(client.get("/angkatan?q=uji 1").get_data(as_text=True)) == ["Angkatan Uji 1"]
    assert names(client.get("/angkatan?q=100%25").get_data(as_text=True)) == []
    assert client.get("/angkatan?sesudah=abc").status_code == 200
