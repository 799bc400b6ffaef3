"""The admin user list at national size: keyset pages (newest first), exact phone search."""
import re

from kopedu.extensions import db
from tests import factories


def names(html):
    return re.findall(r"<strong>(Peserta Uji \d+)</strong>", html)


def test_user_list_pages_next_previous_stable(client, login, app):
    login(factories.user("admin", full_name="Admin Uji"))
    for number in range(30):
        factories.user(full_name=f"Peserta Uji {number}")
    db.session.commit()
    first = client.get("/admin/pengguna?role=participant").get_data(as_text=True)
    assert names(first) == [f"Peserta Uji {n}" for n in range(29, 4, -1)]  # 25 a page, newest first
    link = re.search(r'href="(/admin/pengguna\?[^"]*sesudah=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "role=participant" in link
    second = client.get(link).get_data(as_text=True)
    assert names(second) == [f"Peserta Uji {n}" for n in range(4, -1, -1)] and 'rel="next"' not in second
    link = re.search(r'href="(/admin/pengguna\?[^"]*sebelum=\d+[^"]*)"', second).group(1).replace("&amp;", "&")
    assert names(client.get(link).get_data(as_text=True)) == names(first)


def test_user_search_by_exact_phone_in_any_writing(client, login, app):
    login(factories.user("admin"))
    factories.user(full_name="Peserta Uji 1", phone="6281234567890")
    factories.user(full_name="Peserta Uji 2", phone="6281234567891")
    db.session.commit()
    for typed in ("081234567890", "+62 812-3456-7890", "6281234567890"):
        html = client.get("/admin/pengguna", query_string={"q": typed}).get_data(as_text=True)
        assert names(html) == ["Peserta Uji 1"], typed
    assert names(client.get("/admin/pengguna?q=uji").get_data(as_text=True)) == ["Peserta Uji 2", "Peserta Uji 1"]
