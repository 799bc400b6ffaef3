"""Login limits that fit a hall: wrong passwords lock the account they were typed for, not the room."""
import logging
import re
from datetime import timedelta

from kopedu import create_app
from kopedu.auth import throttle
from kopedu.db import utcnow
from kopedu.extensions import db
from tests import factories

HALL = "10.20.30.40"  # every phone in the hall is behind the same Wi-Fi address


def _hall_client(app):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = HALL
    return client


def _post(client, login, password):
    return client.post("/masuk", data={"login": login, "password": password})


def test_wrong_passwords_for_one_account_do_not_refuse_another_account_from_the_same_address(app):
    factories.user(phone="6281200000001")
    factories.user(phone="6281200000002", full_name="Maria Tefa")
    db.session.commit()
    client = _hall_client(app)
    statuses = [_post(client, "081200000001", f"salah{i}").status_code for i in range(6)]
    assert statuses == [422] * 6
    other = _hall_client(app)
    assert _post(other, "081200000002", factories.PASSWORD).status_code == 303
    assert "Maria Tefa" in other.get("/beranda").get_data(as_text=True)


def test_an_account_locked_by_its_wrong_passwords_refuses_the_right_one_and_says_for_how_long(app):
    factories.user(phone="6281200000001")
    factories.user(phone="6281200000002")
    db.session.commit()
    attacker = _hall_client(app)
    statuses = [_post(attacker, "0812-0000-0001", f"salah{i}").status_code for i in range(10)]
    assert statuses == [422] * 9 + [429]
    # The owner, from another address, with the right password: refused while the lock holds, told why.
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "10.9.9.9"
    refused = _post(owner, "+6281200000001", factories.PASSWORD)
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    minutes = int(re.search(r"Coba lagi dalam (\d+) menit", text).group(1))
    assert 1 <= minutes <= 15
    assert "dikunci sementara" in text
    assert int(refused.headers["Retry-After"]) > 0
    # Everyone else in the hall logs in.
    assert _post(_hall_client(app), "081200000002", factories.PASSWORD).status_code == 303


def test_the_lock_ends_with_its_window(app, monkeypatch):
    factories.user(phone="6281200000001")
    db.session.commit()
    client = app.test_client()
    for i in range(10):
        _post(client, "081200000001", f"salah{i}")
    assert _post(client, "081200000001", factories.PASSWORD).status_code == 429
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(throttle, "utcnow", lambda: later)
    assert _post(client, "081200000001", factories.PASSWORD).status_code == 303


def test_an_unknown_login_is_locked_the_same_way_as_an_account(app):
    """A lock tells nothing about whether the number has an account."""
    client = app.test_client()
    statuses = [_post(client, "081299999999", f"salah{i}").status_code for i in range(11)]
    assert statuses == [422] * 9 + [429, 429]


def test_a_flood_from_one_address_answers_429_but_a_correct_password_still_logs_in(app):
    app.config["RATELIMIT_LOGIN"] = "5 per 10 minutes"
    for n in range(7):
        factories.user(phone=f"628120000001{n}")
    db.session.commit()
    client = _hall_client(app)
    statuses = [_post(client, f"08120000001{n}", "salah-salah").status_code for n in range(6)]
    assert statuses == [422] * 4 + [429, 429]
    assert "Akun lain tetap bisa masuk" in _post(client, "081200000016", "salah").get_data(as_text=True)
    assert _post(_hall_client(app), "081200000016", factories.PASSWORD).status_code == 303


def test_the_counters_are_in_the_database_shared_by_every_worker(app, database_url, tmp_path):
    """Two apps (two workers, or two hosts) on the same database count together."""
    factories.user(phone="6281200000001")
    db.session.commit()
    other_worker = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url, UPLOAD_DIR=tmp_path / "u2")
    for i in range(5):
        _post(app.test_client(), "081200000001", f"salah{i}")
    with other_worker.app_context():
        statuses = [_post(other_worker.test_client(), "081200000001", f"lagi{i}").status_code for i in range(5)]
        db.session.remove()
        db.engine.dispose()
    assert statuses == [422] * 4 + [429]


def test_the_app_says_at_start_which_limits_are_per_worker_without_redis(caplog):
    with caplog.at_level(logging.WARNING):
        create_app("testing", REDIS_URL=None)
    assert "other rate limits are counted per worker process" in caplog.text
