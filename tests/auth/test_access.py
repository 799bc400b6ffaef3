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


def test_a_trainer_made_observer_loses_trainer_access_at_once(app, client, login):
    """The role is read on every request: a trainer changed to observer (or participant) keeps the
    course assignment row but none of its rights, from the next request on, in the same session."""
    from kopedu.auth.models import User
    from kopedu.cohorts.models import Cohort

    regions = factories.kupang_regions()
    course = factories.course(published=False, title="Draf Pelatih")
    trainer = factories.user(role="trainer", phone="6281100099002", region_code="5371")
    course.trainers.append(trainer)
    cohort = Cohort(course_id=course.id, code="A1", name="Angkatan 1", region_code="5371")
    cohort.trainers.append(trainer)
    db.session.add(cohort)
    db.session.commit()
    login(trainer)
    pages = [f"/kelola/kursus/{course.id}", f"/kursus/{course.slug}/pre-post", f"/penilaian/kursus/{course.id}",
             f"/angkatan/{cohort.id}"]
    assert [client.get(page).status_code for page in pages] == [200, 200, 200, 200]
    assert course.slug in client.get(f"/kursus/{course.slug}").get_data(as_text=True)
    for role in ("observer", "participant"):
        db.session.get(User, trainer.id).role = role
        db.session.commit()
        statuses = [client.get(page).status_code for page in pages]
        assert all(status in (403, 404) for status in statuses), (role, statuses)
        assert client.get(f"/kursus/{course.slug}").status_code == 404  # the unpublished course is hidden again
    assert regions
