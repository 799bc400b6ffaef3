"""The cohort form's trainers at national size: the form offers the ticked trainers and at most
PICK_LIMIT others, a search finds the rest (keeping the ticked ones ticked), and only active trainers
the admin may see can be saved."""
import re

import pytest
from sqlalchemy import select

from kopedu.auth import services as accounts
from kopedu.cohorts.models import Cohort
from kopedu.extensions import db
from tests import factories
from tests.cohorts.test_cohorts import _cohort_form


@pytest.fixture
def trainers(app, monkeypatch):
    monkeypatch.setattr(accounts, "PICK_LIMIT", 4)
    factories.kupang_regions()
    people = [factories.user("trainer", full_name=f"Pelatih {n:02d}") for n in range(10)]
    db.session.commit()
    return people


def _boxes(html):
    return re.findall(r'<input[^>]*name="trainer_ids"[^>]*>', html)


def test_the_form_offers_a_page_and_the_search_finds_the_rest(trainers, client, login):
    login(factories.user("admin"))
    page = client.get("/angkatan/baru").get_data(as_text=True)
    assert len(_boxes(page)) == 4 and "Pelatih 09" not in page
    found = client.get(f"/angkatan/baru?cari_pelatih=pelatih 09&trainer_ids={trainers[0].id}",
                       headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in found and "<form" not in found  # the options only
    boxes = _boxes(found)
    assert len(boxes) == 2 and "Pelatih 00" in found and "Pelatih 09" in found
    assert "checked" in next(b for b in boxes if f'value="{trainers[0].id}"' in b)
    assert "checked" not in next(b for b in boxes if f'value="{trainers[9].id}"' in b)


def test_a_trainer_found_by_search_is_saved(trainers, client, login):
    course = factories.course()
    login(factories.user("admin"))
    data = _cohort_form(course, trainer_ids=[str(trainers[0].id), str(trainers[9].id)])
    assert client.post("/angkatan/baru", data=data).status_code == 303
    cohort = db.session.scalar(select(Cohort))
    assert sorted(t.full_name for t in cohort.trainers) == ["Pelatih 00", "Pelatih 09"]
    edit = client.get(f"/angkatan/{cohort.id}/ubah").get_data(as_text=True)
    ticked = [b for b in _boxes(edit) if "checked" in b]
    assert len(ticked) == 2


def test_an_account_that_is_not_an_active_trainer_is_refused(trainers, client, login):
    login(factories.user("admin"))
    inactive = factories.user("trainer", full_name="Pelatih Pensiun", active=False)
    participant = factories.user(full_name="Peserta Biasa")
    course = factories.course()
    db.session.commit()
    for bad in (inactive, participant):
        response = client.post("/angkatan/baru", data=_cohort_form(course, code=f"X-{bad.id}",
                                                                   trainer_ids=[str(bad.id)]))
        assert response.status_code == 422
    assert db.session.scalar(select(Cohort)) is None
