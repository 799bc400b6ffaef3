from sqlalchemy import select

from kopedu.audit import AuditEvent
from kopedu.auth.models import User
from kopedu.extensions import db
from tests import factories


def _admin(client, login):
    admin = factories.user("admin", full_name="Admin Dinas")
    db.session.commit()
    login(admin)
    return admin


def test_admin_creates_participant_without_email(client, login):
    _admin(client, login)
    coop = factories.cooperative()
    db.session.commit()
    response = client.post("/admin/pengguna/baru", data={
        "full_name": "  Yosef   Lango ", "phone": "0812-7777-0001", "email": "", "role": "participant",
        "position": "Pengawas", "cooperative_id": str(coop.id), "region": "", "password": "awalawal1",
        "active": "y"})
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.phone == "6281277770001"))
    assert user.full_name == "Yosef Lango" and user.cooperative_id == coop.id and user.email is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create")) is not None


def test_duplicate_phone_is_refused_with_a_message(client, login):
    _admin(client, login)
    factories.user(phone="6281277770001")
    db.session.commit()
    response = client.post("/admin/pengguna/baru", data={
        "full_name": "Orang Lain", "phone": "+62 812 7777 0001", "role": "participant", "password": "awalawal1"})
    assert response.status_code == 422
    assert "sudah dipakai" in response.get_data(as_text=True)
    assert db.session.scalar(select(User).where(User.full_name == "Orang Lain")) is None


def test_observer_needs_region_and_name_resolves(client, login):
    _admin(client, login)
    factories.kupang_regions()
    db.session.commit()
    missing = client.post("/admin/pengguna/baru", data={
        "full_name": "Camat", "phone": "081277770002", "role": "observer", "password": "awalawal1"})
    assert missing.status_code == 422
    ok = client.post("/admin/pengguna/baru", data={
        "full_name": "Camat", "phone": "081277770002", "role": "observer", "region": "Oebobo",
        "password": "awalawal1"})
    assert ok.status_code == 303
    assert db.session.scalar(select(User).where(User.full_name == "Camat")).region_code == "5371030"


def test_admin_deactivates_and_resets_password(client, login, app):
    _admin(client, login)
    user = factories.user(phone="6281277770003", full_name="Markus Selan")
    db.session.commit()
    response = client.post(f"/admin/pengguna/{user.id}/reset-sandi")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    import re

    new_password = re.search(r'class="mono">([a-z0-9]{10})<', html).group(1)
    other = app.test_client()
    assert other.post("/masuk", data={"login": "081277770003", "password": new_password}).status_code == 303

    response = client.post(f"/admin/pengguna/{user.id}", data={
        "full_name": "Markus Selan", "phone": "081277770003", "role": "participant"})  # active unticked
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.active is False
    assert other.get("/beranda").status_code == 302  # the open session ends too


def test_user_list_search_as_fragment(client, login, app):
    _admin(client, login)
    factories.user(full_name="Fransiska Kase")
    factories.user(full_name="Daniel Manafe")
    db.session.commit()
    response = client.get("/admin/pengguna?q=fransiska", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "Fransiska Kase" in html and "Daniel Manafe" not in html
    assert "<html" not in html


def test_user_search_matches_percent_and_underscore_literally(client, login, app):
    _admin(client, login)
    factories.user(full_name="Maria_Lado")
    factories.user(full_name="Maria Lado")
    db.session.commit()

    def found(typed):
        html = client.get(f"/admin/pengguna?q={typed}", headers={"HX-Request": "true"}).get_data(as_text=True)
        return {name for name in ("Maria_Lado", "Maria Lado") if name in html}

    assert found("a_l") == {"Maria_Lado"}  # as a wildcard "_" would match "a l" too
    assert found("%") == set()  # as a wildcard it would match everyone
    assert found("a l") == {"Maria Lado"}
