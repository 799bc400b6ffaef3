"""The password change form is rate-limited; a login costs one hash check whatever the account."""
import pytest

from kopedu.auth import services
from kopedu.extensions import db
from tests import factories


def test_wrong_current_passwords_on_the_change_form_get_429(client, login):
    user = factories.user(phone="6281200000001")
    db.session.commit()
    login(user)
    statuses = [client.post("/akun/kata-sandi", data={"current_password": f"salah{i}", "password": "baru-sekali-1"})
                .status_code for i in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    right = client.post("/akun/kata-sandi", data={"current_password": factories.PASSWORD, "password": "baru-sekali-1"})
    assert right.status_code == 429  # refused while the limit holds, also with the right password
    db.session.expire_all()
    assert db.session.get(type(user), user.id).check_password(factories.PASSWORD)


@pytest.mark.parametrize("case", ["known", "unknown", "no password", "inactive"])
def test_every_login_costs_one_real_hash_check(client, monkeypatch, case):
    """An imported account without a password (hash "!") is answered as fast as a wrong password
    would be only if its check is as slow: it runs the same hash as everyone else."""
    factories.user(phone="6281200000001")
    factories.user(phone="6281200000002").password_hash = "!"  # as an import leaves it
    factories.user(phone="6281200000003", active=False)
    db.session.commit()
    checked = []
    import werkzeug.security

    real = werkzeug.security.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash.split("$", 1)[0])
        return real(pwhash, password)

    from kopedu.auth import models

    for module in (werkzeug.security, services, models):
        monkeypatch.setattr(module, "check_password_hash", spy, raising=False)
    phone = {"known": "081200000001", "unknown": "081299999999", "no password": "081200000002",
             "inactive": "081200000003"}[case]
    response = client.post("/masuk", data={"login": phone, "password": "salah-sekali"})
    assert response.status_code == 422
    assert checked == [client.application.config["PASSWORD_HASH_METHOD"]]
