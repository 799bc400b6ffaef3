"""Observers and trainers see their own region only — also through edited URLs and export links."""
import pytest
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.demo import DEMO_PASSWORD, seed_demo
from kopedu.extensions import db
from kopedu.regions.models import Cooperative


@pytest.fixture
def demo(app):
    seed_demo()
    db.session.commit()


def _login(client, phone):
    response = client.post("/masuk", data={"login": phone, "password": DEMO_PASSWORD})
    assert response.status_code == 303


def _coop(village_code):
    return db.session.scalar(select(Cooperative).where(Cooperative.village_code == village_code))


def _person(name):
    return db.session.scalar(select(User).where(User.full_name == name))


def test_oebobo_observer_sees_oebobo_kelurahan(demo, client):
    _login(client, "081100000003")
    response = client.get("/pantau/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/pantau/wilayah/5371030")
    html = client.get("/pantau/wilayah/5371030").get_data(as_text=True)
    for kelurahan in ("Oebufu", "Kayu Putih", "Oebobo", "Fatululi"):
        assert kelurahan in html
    assert "Namosain" not in html  # Alak
    assert client.get("/pantau/wilayah/5371030011").status_code == 200
    oebufu = _coop("5371030011")
    html = client.get(f"/pantau/koperasi/{oebufu.id}").get_data(as_text=True)
    assert "Yuliana Ndun" in html and "Abdul Rahman" not in html
    html = client.get(f"/pantau/peserta/{_person('Yuliana Ndun').id}").get_data(as_text=True)
    assert "Yuliana Ndun" in html and "0812-0000-0001" not in html  # observers get no phone numbers
    csv = client.get("/pantau/wilayah/5371030/ekspor.csv").get_data(as_text=True)
    assert "Oebufu;5371030011;3;" in csv
    csv = client.get(f"/pantau/koperasi/{oebufu.id}/ekspor.csv").get_data(as_text=True)
    assert "Yuliana Ndun" in csv and "628120" not in csv and "HP" not in csv.splitlines()[0]


ALAK_PAGES = [
    "/pantau/wilayah/5371010",
    "/pantau/wilayah/5371010011",
    "/pantau/wilayah/5371",  # above the observer's scope
    "/pantau/wilayah/53",
    "/pantau/wilayah/5371010/tertinggal",
]
ALAK_EXPORTS = [
    "/pantau/ekspor.csv",
    "/pantau/ekspor.xlsx",
    "/pantau/wilayah/5371010/ekspor.csv",
    "/pantau/wilayah/5371010011/ekspor.xlsx",
    "/pantau/wilayah/5371/ekspor.csv",
    "/pantau/tertinggal/ekspor.csv",
    "/pantau/wilayah/5371010/tertinggal/ekspor.xlsx",
]


def test_oebobo_observer_gets_403_for_alak_also_by_edited_url_and_export_link(demo, client):
    _login(client, "081100000003")
    alak_coop = _coop("5371010011")
    alak_person = _person("Abdul Rahman Laiskodat")
    urls = ALAK_PAGES + ALAK_EXPORTS + [
        f"/pantau/koperasi/{alak_coop.id}", f"/pantau/koperasi/{alak_coop.id}/ekspor.csv",
        f"/pantau/koperasi/{alak_coop.id}/ekspor.xlsx", f"/pantau/peserta/{alak_person.id}",
        f"/pantau/peserta/{alak_person.id}/ekspor.csv", f"/pantau/peserta/{alak_person.id}/ekspor.xlsx"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Laiskodat" not in response.get_data(as_text=True)
    assert client.get("/pantau/wilayah/5371099").status_code == 404  # no such kecamatan
    assert client.get("/pantau/wilayah/abc").status_code == 404
    assert client.get("/pantau/koperasi/999999").status_code == 404


def test_trainer_sees_kota_kupang_only_and_participants_nothing(demo, client):
    _login(client, "081100000002")  # trainer for 5371
    assert client.get("/pantau/wilayah/5371").status_code == 200
    assert client.get("/pantau/wilayah/5371010/ekspor.csv").status_code == 200
    assert client.get("/pantau/wilayah/5301").status_code == 403  # Kabupaten Sumba Barat
    assert client.get("/pantau/wilayah/53").status_code == 403
    assert client.get("/pantau/ekspor.xlsx").status_code == 403
    client.post("/keluar")
    _login(client, "081200000001")
    for url in ("/pantau/", "/pantau/wilayah/5371030011", f"/pantau/peserta/{_person('Yuliana Ndun').id}"):
        assert client.get(url).status_code == 403


def test_admin_sees_everything(demo, client):
    _login(client, "081100000001")
    html = client.get("/pantau/").get_data(as_text=True)
    assert "Nusa Tenggara Timur" in html
    assert client.get("/pantau/wilayah/5371010011").status_code == 200
    assert client.get(f"/pantau/peserta/{_person('Abdul Rahman Laiskodat').id}").status_code == 200


def test_anonymous_is_sent_to_login(demo, client):
    response = client.get("/pantau/wilayah/5371030/ekspor.csv")
    assert response.status_code == 302 and "/masuk" in response.headers["Location"]
