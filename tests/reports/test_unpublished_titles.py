"""An unpublished course's title stays with admins and the course's trainers: observers (and other
trainers) do not find it in the monitoring filters, tables or exports, nor through ?kursus=."""
from kopedu.extensions import db
from tests import factories
from tests.reports.test_scope import _coop, _login, _person, demo  # noqa: F401 - the fixture


def test_monitoring_hides_unpublished_course_titles(demo, client, app):  # noqa: F811
    draft = factories.course(title="Draf Rahasia Koperasi", published=False)
    yuliana = _person("Yuliana Ndun")
    factories.enrollment(yuliana, draft)
    db.session.commit()
    oebufu = _coop("5371030011")
    _login(client, "081100000003")  # the Oebobo observer
    pages = ["/pantau/wilayah/5371030", "/pantau/wilayah/5371030011", f"/pantau/koperasi/{oebufu.id}",
             f"/pantau/peserta/{yuliana.id}", "/pantau/wilayah/5371030/tertinggal",
             "/pantau/wilayah/5371030/ekspor.csv", f"/pantau/koperasi/{oebufu.id}/ekspor.csv",
             f"/pantau/peserta/{yuliana.id}/ekspor.csv", "/pantau/wilayah/5371030/tertinggal/ekspor.csv"]
    for page in pages:
        for query in ("", f"?kursus={draft.id}"):
            response = client.get(page + query)
            assert response.status_code == 200, (page, response.status_code)
            assert "Draf Rahasia" not in response.get_data(as_text=True), page + query
    client.post("/keluar")

    admin = app.test_client()
    _login(admin, "081100000001")
    assert "Draf Rahasia Koperasi" in admin.get("/pantau/wilayah/5371030").get_data(as_text=True)
    factories.trainer_of(draft, phone="6281190000001", region_code="5371")
    factories.user("trainer", phone="6281190000002", region_code="5371")  # teaches something else
    db.session.commit()
    for phone, sees in (("081190000001", True), ("081190000002", False)):
        trainer = app.test_client()
        _login_with(trainer, phone)
        html = trainer.get(f"/pantau/wilayah/5371030?kursus={draft.id}").get_data(as_text=True)
        assert ("Draf Rahasia Koperasi" in html) is sees, phone


def _login_with(client, phone):
    response = client.post("/masuk", data={"login": phone, "password": factories.PASSWORD})
    assert response.status_code == 303
