"""Each Dinas manages its own: a region admin (Kota Kupang) sees and creates accounts, cohorts, imports
and reports of Kota Kupang only; an admin without a region is national (kopedu.web.access)."""
import pytest
from sqlalchemy import select

from kopedu.auth import services as accounts
from kopedu.auth.models import User
from kopedu.cohorts import services as cohorts
from kopedu.extensions import db
from kopedu.web import access
from tests import factories
from tests.regions.scope_world import two_dinas


@pytest.fixture
def w(app):
    return two_dinas()


def _visible_users(viewer) -> set[str]:
    return {u.full_name for u in db.session.scalars(select(User).where(access.visible_accounts(viewer)))}


# --------------------------------------------------------------------------- the rule


def test_the_scope_rule(w):
    assert access.is_national(w.national) and not access.is_national(w.admin_kota)
    assert w.admin_kota.in_scope("5371030011") and not w.admin_kota.in_scope("5303100005")
    assert not w.admin_kota.in_scope(None) and w.national.in_scope(None)
    assert access.region_allowed(w.admin_kota, "5371030") and not access.region_allowed(w.admin_kota, "53")
    assert not access.region_allowed(w.admin_kota, None) and access.region_allowed(w.national, None)


def test_accounts_a_region_admin_sees(w):
    kota = _visible_users(w.admin_kota)
    assert {"Peserta Kota", "Pelatih Kota", "Admin Kota Kupang"} <= kota
    assert not kota & {"Peserta Kabupaten", "Pelatih Kabupaten", "Admin Kabupaten Kupang", "Admin Nasional"}
    assert {"Peserta Kota", "Peserta Kabupaten", "Admin Nasional"} <= _visible_users(w.national)


# --------------------------------------------------------------------------- accounts: service


def test_a_region_admin_creates_accounts_only_in_the_region(w):
    coop_kota = w.kota.cooperative
    made = accounts.save_user(None, full_name="Bendahara Baru", phone="0812-7777-0001", email=None,
                              role="participant", cooperative_id=coop_kota.id, password="sandi-rahasia",
                              actor=w.admin_kota)
    assert made.cooperative.village_code.startswith("5371")
    refusals = [
        dict(role="participant", cooperative_id=w.kab.cooperative_id),  # a cooperative of another region
        dict(role="trainer", region_code="5303"),  # another region
        dict(role="observer", region_code="53"),  # a wider region than the admin's own
        dict(role="admin", region_code=None),  # a national role
        dict(role="trainer", region_code=None),
    ]
    for n, fields in enumerate(refusals):
        with pytest.raises(accounts.AccountError, match="wilayah Anda"):
            accounts.save_user(None, full_name=f"Akun {n}", phone=f"0812-7777-01{n:02d}", email=None,
                               password="sandi-rahasia", actor=w.admin_kota, **fields)
    # the national admin may do all of it
    for n, fields in enumerate(refusals[:2] + refusals[3:]):
        accounts.save_user(None, full_name=f"Akun nasional {n}", phone=f"0812-7777-02{n:02d}", email=None,
                           password="sandi-rahasia", actor=w.national, **fields)


def test_a_region_admin_cannot_move_an_account_out_of_the_region(w):
    with pytest.raises(accounts.AccountError):
        accounts.save_user(w.trainer_kota, full_name=w.trainer_kota.full_name, phone=w.trainer_kota.phone,
                           email=None, role="trainer", region_code="5303", actor=w.admin_kota)


# --------------------------------------------------------------------------- accounts: routes


def test_user_list_of_a_region_admin(w, client, login):
    login(w.admin_kota)
    html = client.get("/admin/pengguna").get_data(as_text=True)
    assert "Peserta Kota" in html and "Pelatih Kota" in html
    assert "Peserta Kabupaten" not in html and "Admin Nasional" not in html
    # searching does not reach outside either
    assert "Peserta Kabupaten" not in client.get("/admin/pengguna?q=Peserta").get_data(as_text=True)
    assert "Peserta Kabupaten" not in client.get("/admin/pengguna?q=081211110002").get_data(as_text=True)


def test_a_region_admin_cannot_open_edit_or_reset_an_account_outside(w, client, login):
    login(w.admin_kota)
    for user in (w.kab, w.trainer_kab, w.national):
        assert client.get(f"/admin/pengguna/{user.id}").status_code == 403
        assert client.post(f"/admin/pengguna/{user.id}", data={"full_name": "Diambil"}).status_code == 403
        assert client.post(f"/admin/pengguna/{user.id}/reset-sandi").status_code == 403
    assert client.get(f"/admin/pengguna/{w.kota.id}").status_code == 200
    db.session.expire_all()
    assert w.kab.full_name == "Peserta Kabupaten"


def test_a_region_admin_creates_a_trainer_of_the_region_by_default(w, client, login):
    login(w.admin_kota)
    response = client.post("/admin/pengguna/baru", data={
        "full_name": "Pelatih Baru", "phone": "0812-7777-0301", "role": "trainer", "password": "sandi-rahasia",
        "active": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    assert db.session.scalar(select(User).where(User.full_name == "Pelatih Baru")).region_code == "5371"
    response = client.post("/admin/pengguna/baru", data={
        "full_name": "Admin Provinsi", "phone": "0812-7777-0302", "role": "admin", "region": "53",
        "password": "sandi-rahasia", "active": "y"})
    assert response.status_code == 422
    assert db.session.scalar(select(User).where(User.full_name == "Admin Provinsi")) is None


def test_the_national_admin_creates_a_region_admin(w, client, login):
    login(w.national)
    response = client.post("/admin/pengguna/baru", data={
        "full_name": "Admin Kabupaten Dua", "phone": "0812-7777-0401", "role": "admin", "region": "5303",
        "password": "sandi-rahasia", "active": "y"})
    assert response.status_code == 303
    made = db.session.scalar(select(User).where(User.full_name == "Admin Kabupaten Dua"))
    assert made.region_code == "5303" and not made.is_national


def test_create_user_command(app, w):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kopedu", "create-user", "--name", "Admin Dinas Oebobo", "--phone", "0812-7777-0501",
                                 "--role", "admin", "--region", "5371030", "--password", "sandi-rahasia"])
    assert result.exit_code == 0, result.output
    assert "region: 5371030" in result.output
    made = db.session.scalar(select(User).where(User.full_name == "Admin Dinas Oebobo"))
    assert made.role == "admin" and made.region_code == "5371030"
    result = runner.invoke(args=["kopedu", "create-user", "--name", "X", "--phone", "0812-7777-0502",
                                 "--region", "9999", "--password", "sandi-rahasia"])
    assert result.exit_code != 0 and "unknown region" in result.output


# --------------------------------------------------------------------------- cohorts and imports


def test_cohorts_a_region_admin_runs(w):
    assert [c.code for c in cohorts.cohorts_for(w.admin_kota)] == ["KOTA-1"]
    assert {c.code for c in cohorts.cohorts_for(w.national)} == {"KOTA-1", "KAB-1"}
    assert cohorts.can_manage(w.admin_kota, w.cohort_kota) and not cohorts.can_manage(w.admin_kota, w.cohort_kab)
    with pytest.raises(cohorts.CohortError, match="wilayah Anda"):
        cohorts.save_cohort(None, course_id=w.course.id, code="KAB-2", name="Diam-diam", starts_on=None,
                            ends_on=None, venue=None, region_code="5303", trainer_ids=[], actor=w.admin_kota)
    with pytest.raises(cohorts.CohortError, match="wilayah Anda"):
        cohorts.save_cohort(None, course_id=w.course.id, code="NAS-1", name="Nasional", starts_on=None,
                            ends_on=None, venue=None, region_code=None, trainer_ids=[], actor=w.admin_kota)


def test_cohort_pages_of_a_region_admin(w, client, login):
    login(w.admin_kota)
    html = client.get("/angkatan").get_data(as_text=True)
    assert "KOTA-1" in html and "KAB-1" not in html
    for path in (f"/angkatan/{w.cohort_kab.id}", f"/angkatan/{w.cohort_kab.id}/ubah", f"/angkatan/{w.cohort_kab.id}/impor",
                 f"/pantau/angkatan/{w.cohort_kab.id}/rekap-kehadiran"):
        assert client.get(path).status_code == 403, path
    assert client.get(f"/angkatan/{w.cohort_kota.id}").status_code == 200
    # a cohort created without a region is the admin's region's; another region is refused
    response = client.post("/angkatan/baru", data={"course_id": w.course.id, "code": "KOTA-2", "name": "Kota 2"})
    assert response.status_code == 303, response.get_data(as_text=True)[:400]
    assert db.session.scalar(select(cohorts.Cohort).where(cohorts.Cohort.code == "KOTA-2")).region_code == "5371"
    response = client.post("/angkatan/baru", data={"course_id": w.course.id, "code": "KAB-9", "name": "Kab 9",
                                                   "region": "5303"})
    assert response.status_code == 422
    assert db.session.scalar(select(cohorts.Cohort).where(cohorts.Cohort.code == "KAB-9")) is None


def test_a_region_admin_cannot_import_into_another_regions_cohort(w, client, login):
    import io

    login(w.admin_kota)
    data = "nama,hp,email,jabatan,kelurahan,koperasi\nPeserta Selundupan,0813-9999-0001,,Ketua,5303100005,\n"
    response = client.post(f"/angkatan/{w.cohort_kab.id}/impor", data={"file": (io.BytesIO(data.encode()), "p.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 403


# --------------------------------------------------------------------------- reports


def test_monitoring_of_a_region_admin(app, w, client, login):
    login(w.admin_kota)
    response = client.get("/pantau/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/pantau/wilayah/5371")
    assert client.get("/pantau/wilayah/5371").status_code == 200
    assert client.get("/pantau/wilayah/5303").status_code == 403
    assert client.get("/pantau/ekspor.csv").status_code == 403
    assert client.get(f"/pantau/peserta/{w.kab.id}").status_code == 403
    assert client.get(f"/pantau/peserta/{w.kota.id}").status_code == 200
    national = login(w.national, c=app.test_client())
    assert national.get("/pantau/").status_code == 200
    assert national.get("/pantau/ekspor.csv").status_code == 200


def test_a_region_admin_sets_only_their_regions_trainers_of_a_course(w, client, login):
    """The course is national: the admin of Kota Kupang lists, adds and removes Kota Kupang's trainers
    only; Kabupaten's trainer stays on the course and cannot be removed by them."""
    login(w.admin_kota)
    page = client.get(f"/kelola/kursus/{w.course.id}").get_data(as_text=True)
    assert "Pelatih Kota" in page and "Pelatih Kabupaten" not in page
    new = factories.user("trainer", full_name="Pelatih Kota Dua", region_code="5371030")
    db.session.commit()
    response = client.post(f"/kelola/kursus/{w.course.id}/pelatih/tambah", data={"user_id": str(new.id)})
    assert response.status_code == 303
    assert client.post(f"/kelola/kursus/{w.course.id}/pelatih/tambah",
                       data={"user_id": str(w.trainer_kab.id)}).status_code == 404
    assert client.post(f"/kelola/kursus/{w.course.id}/pelatih/{w.trainer_kab.id}/lepas").status_code == 404
    assert client.post(f"/kelola/kursus/{w.course.id}/pelatih/{w.trainer_kota.id}/lepas").status_code == 303
    db.session.expire_all()
    assert {t.full_name for t in w.course.trainers} == {"Pelatih Kabupaten", "Pelatih Kota Dua"}
