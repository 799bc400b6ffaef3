"""Error pages: a boosted link or form swaps the whole body, so it gets the whole page; an htmx
fragment request gets the small fragment."""


def test_a_boosted_link_to_a_missing_page_gets_the_whole_page(client, login, app):
    from tests import factories

    login(factories.user())
    response = client.get("/kursus/tidak-ada", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<html" in html and '<header class="top">' in html and "Kembali ke beranda" in html
    assert "HX-Request" in response.headers["Vary"]


def test_an_htmx_fragment_request_gets_the_fragment(htmx_client):
    response = htmx_client.get("/tidak-ada")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Halaman tidak ditemukan." in html
    assert "HX-Request" in response.headers["Vary"]


def test_a_history_restore_gets_the_whole_page(client):
    response = client.get("/tidak-ada", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.get_data(as_text=True)
