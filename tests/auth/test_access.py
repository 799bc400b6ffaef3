from kopedu.extensions import db
from tests import factories


def test_participant_gets_403_on_admin_page(client, login):
    login(factories.user())
    assert client.get("/admin/pengguna").status_code == 403
    assert "Anda tidak punya akses" in client.get("/admin/pengguna").get_data(as_text=True)


def test_anonymous_gets_redirected_to_login(client):
    response = client.get("/admin/pengguna")
    assert response.status_code == 302
    assert "/masuk" in response.headers["Location"]


def test_anonymous_htmx_request_gets_401_with_hx_redirect(htmx_client):
    response = htmx_client.get("/beranda")
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/masuk")


def test_observer_scope_is_by_region_prefix(app):
    factories.kupang_regions()
    observer = factories.user("observer", region_code="5371030")
    assert observer.in_scope("5371030011")
    assert not observer.in_scope("5371010011")
    assert not observer.in_scope("5371")
    admin = factories.user("admin")
    assert admin.in_scope("5371010011")


def test_404_page_in_indonesian(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan." in response.get_data(as_text=True)


def test_english_is_selectable(client, login):
    user = factories.user()
    db.session.commit()
    login(user)
    client.post("/bahasa", data={"lang": "en", "next": "/beranda"})
    html = client.get("/beranda").get_data(as_text=True)
    assert 'lang="en"' in html
