"""Every route of the URL map × every actor, against the table in matrix.py (every response also
carries the security headers); and CSRF on every state-changing route, enumerated from the URL map."""
import io
import re
from urllib.parse import quote

import pytest

from kopedu import create_app
from kopedu.extensions import db
from tests.conftest import IsolatedClient
from tests.security import world as W
from tests.security.checks import assert_security_headers
from tests.security.matrix import CHECKED_METHODS, L, SKIP_ENDPOINTS, STATE_CHANGING, TABLE, defaults

_VARIABLE = re.compile(r"<(?:[^<>]*:)?(\w+)>")


def routes(app) -> dict[str, object]:
    """'METHOD /rule' → rule, for every rule of the URL map (static files aside)."""
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIP_ENDPOINTS:
            continue
        for method in sorted(rule.methods & CHECKED_METHODS):
            found[f"{method} {rule.rule}"] = rule
    return found


def test_table_covers_the_url_map(world_app):
    """A new route needs its row in the table; a row for a route that is gone must go too."""
    in_map = set(routes(world_app))
    missing = sorted(in_map - set(TABLE))
    stale = sorted(set(TABLE) - in_map)
    assert not missing, "routes without a row in tests/security/matrix.py: " + ", ".join(missing)
    assert not stale, "rows in tests/security/matrix.py for routes that do not exist: " + ", ".join(stale)


def test_every_rule_method_pair_is_counted(world_app):
    """The table is per method: a rule that answers GET and POST needs two rows."""
    rules = [r for r in world_app.url_map.iter_rules() if r.endpoint not in SKIP_ENDPOINTS]
    assert len(routes(world_app)) == sum(len(r.methods & CHECKED_METHODS) for r in rules)
    assert len(rules) >= 100  # the whole application is registered, not a part of it


def build_path(key: str, case, w) -> str:
    values = defaults(w)
    if case.values is not None:
        values.update(case.values(w))
    rule = key.split(" ", 1)[1]
    path = _VARIABLE.sub(lambda m: quote(str(values[m.group(1)]), safe=""), rule)
    return path + (f"?{case.query}" if case.query else "")


def form_data(case, w) -> dict:
    if case.data is None:
        return {}
    return case.data(w) if callable(case.data) else dict(case.data)


def outcome(response):
    """The status, with a redirect to the login page shown as L."""
    location = response.headers.get("Location", "")
    if response.status_code == 302 and location.split("?")[0].endswith("/masuk"):
        return L
    return response.status_code


@pytest.fixture(scope="module")
def actors(world_app, world):
    return W.clients(world_app, world)


@pytest.mark.parametrize("key", list(TABLE))
def test_access(key, world_app, world, actors):
    case = TABLE[key]
    method = key.split(" ", 1)[0]
    got = {}
    for actor in W.ACTORS:
        client = actors[actor]
        if case.relogin and actor != "anon":
            client = W.login(world_app, getattr(world, actor), world.password)
        path = build_path(key, case, world)
        response = client.open(path, method=method, data=form_data(case, world) if method != "GET" else None)
        got[actor] = outcome(response)
        assert_security_headers(response, f"{key} as {actor}")
        db.session.expire_all()
    if case.relogin:  # logging out (or a new password) ended every session of the account
        actors.update(W.clients(world_app, world))
    wrong = {actor: (case.expect[actor], got[actor]) for actor in W.ACTORS if got[actor] != case.expect[actor]}
    assert not wrong, f"{key}: " + "; ".join(f"{actor}: expected {want}, got {have}"
                                             for actor, (want, have) in wrong.items())


def test_anonymous_htmx_request_gets_401_with_a_login_redirect(world_app, world):
    client = world_app.test_client()
    response = client.get("/beranda", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/masuk")


def test_each_client_is_the_actor_its_column_names(world_app, world, actors):
    """Still true after the whole table ran: each client sees its own name on the dashboard."""
    for actor in W.ACTORS[1:]:
        html = actors[actor].get("/beranda").get_data(as_text=True)
        assert getattr(world, actor).full_name in html, actor


# --------------------------------------------------------------------------- CSRF


@pytest.fixture(scope="module")
def csrf_app(world_app, world):
    """A second app on the same database and files, with CSRF protection on as in production."""
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=world_app.config["SQLALCHEMY_DATABASE_URI"],
                     UPLOAD_DIR=world_app.config["UPLOAD_DIR"], RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=True)
    app.test_client_class = IsolatedClient
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def csrf_actors(csrf_app, world):
    return W.clients(csrf_app, world, csrf=True)


STATE_CHANGING_KEYS = [key for key in TABLE if key.split(" ", 1)[0] in STATE_CHANGING]


def allowed_actor(case) -> str:
    """Who may use the route: anonymous for public forms, else the first logged-in actor let through."""
    refused = (L, 401, 403, 404)
    if case.expect["anon"] not in refused:
        return "anon"
    return next(actor for actor in W.ACTORS[1:] if case.expect[actor] not in refused)


def test_state_changing_routes_come_from_the_url_map(world_app):
    """The CSRF checks below run for every rule with a state-changing method, not for a hand-made list."""
    from_map = {key for key in routes(world_app) if key.split(" ", 1)[0] in STATE_CHANGING}
    assert from_map == set(STATE_CHANGING_KEYS)
    assert len(from_map) > 50


def _client(csrf_app, world, csrf_actors, case, actor):
    if case.relogin and actor != "anon":
        return W.login(csrf_app, getattr(world, actor), world.password, csrf=True)
    if actor == "anon":
        return csrf_app.test_client()
    return csrf_actors[actor]


@pytest.mark.parametrize("key", STATE_CHANGING_KEYS)
def test_csrf_token_required(key, csrf_app, world, csrf_actors):
    """Without a token: 400 and the view never runs. With the page's token in the form: what the
    matrix says. With the token in the X-CSRFToken header of an htmx request: not refused either."""
    case = TABLE[key]
    method = key.split(" ", 1)[0]
    actor = allowed_actor(case)

    client = _client(csrf_app, world, csrf_actors, case, actor)
    response = client.open(build_path(key, case, world), method=method, data=form_data(case, world))
    assert response.status_code == 400, f"{key} as {actor}: {response.status_code} without a CSRF token"
    assert "Sesi formulir sudah kedaluwarsa" in response.get_data(as_text=True)

    client = _client(csrf_app, world, csrf_actors, case, actor)
    token = W.page_token(client, "/masuk" if actor == "anon" else "/beranda")
    response = client.open(build_path(key, case, world), method=method,
                           data={**form_data(case, world), "csrf_token": token})
    assert outcome(response) == case.expect[actor], (
        f"{key} as {actor} with the form token: expected {case.expect[actor]}, got {response.status_code}")

    client = _client(csrf_app, world, csrf_actors, case, actor)
    token = W.page_token(client, "/masuk" if actor == "anon" else "/beranda")
    response = client.open(build_path(key, case, world), method=method, data=form_data(case, world),
                           headers={"X-CSRFToken": token, "HX-Request": "true"})
    assert response.status_code not in (400, 401, 403, 404) and response.status_code < 500, (
        f"{key} as {actor} with the X-CSRFToken header: {response.status_code}")
    db.session.expire_all()
    if case.relogin:  # logging out (or a new password) ended every session of the account
        csrf_actors.update(W.clients(csrf_app, world, csrf=True))


def test_a_token_from_another_session_is_refused(csrf_app, world, csrf_actors):
    stolen = W.page_token(csrf_actors["other"])
    response = csrf_actors["owner"].post("/akun/kata-sandi", data={
        "csrf_token": stolen, "current_password": world.password, "password": "sandi-baru-123"})
    assert response.status_code == 400
    response = csrf_actors["owner"].post("/bahasa", data={"lang": "en"}, headers={"X-CSRFToken": "x" * 40})
    assert response.status_code == 400


# --------------------------------------------------------------------------- objects mixed across courses


def test_urls_that_mix_own_and_foreign_objects_are_refused(world, actors):
    """The matrix fills every URL from one course; here the trainer of the other course puts the
    first course's session, import, enrolment, lesson or handout into the URLs of their own course
    and cohort. Each pair is checked, not only the first object."""
    from tests import factories

    other_session = factories.cohort_session(world.cohort_other)
    db.session.commit()
    client = actors["trainer_other"]
    mine, theirs = world.cohort_other.id, world.cohort
    s, imp, e = world.session.id, world.import_pending.id, world.enrollment.id
    refused = [
        ("GET", f"/angkatan/{mine}/sesi/{s}"), ("GET", f"/angkatan/{mine}/sesi/{s}/ubah"),
        ("POST", f"/angkatan/{mine}/sesi/{s}/ubah"), ("GET", f"/angkatan/{mine}/sesi/{s}/qr.svg"),
        ("POST", f"/angkatan/{mine}/sesi/{s}/hapus"), ("POST", f"/angkatan/{mine}/sesi/{s}/kode-baru"),
        ("POST", f"/angkatan/{mine}/sesi/{s}/sisa-tidak-hadir"),
        ("POST", f"/angkatan/{mine}/sesi/{other_session.id}/presensi/{e}"),
        ("GET", f"/angkatan/{mine}/impor/{imp}"), ("GET", f"/angkatan/{mine}/impor/{imp}/ditolak.csv"),
        ("POST", f"/angkatan/{mine}/impor/{imp}/konfirmasi"),
        ("POST", f"/angkatan/{mine}/impor/{world.import_done.id}/lembar-sandi.pdf"),
        ("GET", f"/sertifikat/kursus/{world.course_other.id}/terbitkan/{e}"),
        ("POST", f"/sertifikat/kursus/{world.course_other.id}/terbitkan/{e}"),
        ("GET", f"/kursus/{world.course_other.slug}/pelajaran/{world.reading.id}"),
        ("POST", f"/kursus/{world.course_other.slug}/pelajaran/{world.reading.id}/selesai"),
        ("GET", f"/kursus/{world.course_other.slug}/berkas/{world.attachment.id}"),
    ]
    wrong = []
    for method, path in refused:
        response = client.open(path, method=method, data={"status": "present", "reason": "x", "part": "1"})
        if response.status_code not in (403, 404):
            wrong.append(f"{method} {path}: {response.status_code}")
    assert not wrong, wrong
    db.session.expire_all()
    assert world.session.topic and world.import_pending.confirmed_at is None

    # Form fields that name a foreign object
    response = client.post(f"/kelola/kursus/{world.course_other.id}/media",
                           data={"lesson": str(world.reading.id), "file": (io.BytesIO(b"%PDF-1.4"), "a.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code in (403, 404)

    # Filters that name a foreign cohort or course show nothing of it
    owner = world.owner.full_name
    for path in (f"/penilaian/kursus/{world.course_other.id}?angkatan={theirs.id}",
                 f"/kursus/{world.course_other.slug}/pre-post?angkatan={theirs.id}",
                 f"/sertifikat/kursus/{world.course_other.id}?angkatan={theirs.id}",
                 f"/penilaian?kursus={world.course.id}&status=", f"/penilaian?angkatan={theirs.id}&status=",
                 f"/penilaian/kursus/{world.course_other.id}/buku-nilai.csv?angkatan={theirs.id}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert owner not in response.get_data(as_text=True), path


# --------------------------------------------------------------------------- region-scoped actors


def test_region_overrides_name_routes_of_the_table():
    """An override for a route that is gone (or renamed at a merge) must go too."""
    from tests.security.matrix import REGION_OVERRIDES

    stale = sorted(set(REGION_OVERRIDES) - set(TABLE))
    assert not stale, "REGION_OVERRIDES in tests/security/matrix.py for routes not in TABLE: " + ", ".join(stale)


def test_every_row_has_a_cell_for_every_actor():
    """Rows written with the eight positional columns get the region-scoped cells by the rule."""
    incomplete = [key for key, case in TABLE.items() if set(case.expect) != set(W.ACTORS)]
    assert not incomplete, incomplete


def test_the_derivation_rule():
    from tests.security.matrix import row, _derived

    personal = row(L, 200, 403, 200, 403, 200, 403, 200)
    assert _derived("GET /x/<int:certificate_id>", personal, "admin_other") == 403
    assert _derived("GET /x/<int:certificate_id>", personal, "trainer_far") == 403
    assert _derived("GET /x/<int:certificate_id>", personal, "admin_region") == 200
    listing = row(L, 403, 403, 200, 200, 403, 403, 200)
    assert _derived("GET /x", listing, "admin_other") == 200
    assert _derived("GET /x/<int:course_id>", listing, "trainer_far") == 200
    hidden = row(L, 200, 404, 200, 404, 404, 404, 200)
    assert _derived("GET /x/<int:file_id>", hidden, "admin_other") == 404
