"""The account form's cooperative at national size: "—", the chosen cooperative and at most
PICK_LIMIT others of the admin's region; a search (name, village, or BPS code) finds the rest."""
import re

import pytest
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.extensions import db
from kopedu.regions import services as regions
from tests import factories


@pytest.fixture
def coops(app, monkeypatch):
    monkeypatch.setattr(regions, "PICK_LIMIT", 3)
    factories.kupang_regions()
    made = [factories.cooperative("5371030011", name=f"Koperasi Merah Putih {n:02d}") for n in range(6)]
    made.append(factories.cooperative("5371020002", name="KSP. Maju Bersama"))
    db.session.commit()
    return made


def _options(html):
    return re.findall(r"<option[^>]*>([^<]*)</option>", html.split('name="cooperative_id"', 1)[1].split("</select>")[0])


def test_the_form_offers_a_page_and_the_search_finds_the_rest(coops, client, login):
    login(factories.user("admin"))
    page = client.get("/admin/pengguna/baru").get_data(as_text=True)
    assert len(_options(page)) == 1 + 3
    found = client.get("/admin/pengguna/baru?cari_koperasi=ksp. maju", headers={"HX-Request": "true"})
    html = found.get_data(as_text=True)
    assert "<form" not in html and _options('name="cooperative_id">' + html + "</select>") == [
        "—", "KSP. Maju Bersama · Sikumana"]
    by_code = client.get("/admin/pengguna/baru?cari_koperasi=53.71.02", headers={"HX-Request": "true"})
    assert "KSP. Maju Bersama" in by_code.get_data(as_text=True) and "Merah Putih" not in by_code.get_data(as_text=True)
    by_village = client.get("/admin/pengguna/baru?cari_koperasi=sikumana", headers={"HX-Request": "true"})
    assert "KSP. Maju Bersama" in by_village.get_data(as_text=True)


def test_the_chosen_cooperative_stays_offered_and_is_saved(coops, client, login):
    login(factories.user("admin"))
    last = coops[5]  # not among the first three
    kept = client.get(f"/admin/pengguna/baru?cari_koperasi=maju&cooperative_id={last.id}",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    assert f'<option value="{last.id}" selected>' in kept
    response = client.post("/admin/pengguna/baru", data={
        "full_name": "Peserta Baru", "phone": "0812-5555-0101", "role": "participant",
        "cooperative_id": str(last.id), "password": "sandi-rahasia-1", "active": "y"})
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.full_name == "Peserta Baru"))
    assert user.cooperative_id == last.id
    page = client.get(f"/admin/pengguna/{user.id}").get_data(as_text=True)
    assert f'<option value="{last.id}" selected>' in page


def test_a_region_admin_cannot_pick_another_regions_cooperative(coops, client, login):
    from tests.regions.scope_world import KAB_KUPANG
    from kopedu.regions.models import Region

    db.session.add_all(Region(code=c, name=n, level=lv, parent_code=p) for c, n, lv, p in KAB_KUPANG)
    far = factories.cooperative("5303100005", name="Koperasi Jauh")
    db.session.commit()
    login(factories.user("admin", region_code="5371"))
    found = client.get("/admin/pengguna/baru?cari_koperasi=jauh", headers={"HX-Request": "true"})
    assert "Koperasi Jauh" not in found.get_data(as_text=True)
    response = client.post("/admin/pengguna/baru", data={
        "full_name": "Peserta Selundupan", "phone": "0812-5555-0102", "role": "participant",
        "cooperative_id": str(far.id), "password": "sandi-rahasia-1", "active": "y"})
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.full_name == "Peserta Selundupan")) is None
