"""A participant's submissions are bounded: versions per assignment and the size of all their files,
both shown on the assignment page and refused with a clear message."""
from sqlalchemy import func, select

from kopedu.extensions import db
from kopedu.grading import services
from kopedu.grading.models import SubmissionFile, SubmissionVersion
from tests import factories
from tests.grading import samples
from tests.grading.test_submissions import post, setup, stored_files  # noqa: F401 - the fixture


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_versions_are_limited_and_the_page_says_how_many_are_left(setup, client, login, monkeypatch):  # noqa: F811
    monkeypatch.setattr(services, "MAX_VERSIONS", 3)
    login(setup["participant"])
    page = client.get(f"/tugas/{setup['lesson_id']}").get_data(as_text=True)
    assert "masih bisa mengirim 3 dari 3 versi" in page
    for i in range(3):
        assert post(client, setup["lesson_id"], text=f"Rencana usaha versi {i}").status_code == 303
    page = client.get(f"/tugas/{setup['lesson_id']}").get_data(as_text=True)
    assert "masih bisa mengirim 0 dari 3 versi" in page
    refused = post(client, setup["lesson_id"], text="Versi keempat")
    assert refused.status_code == 422
    assert "sudah mengirim 3 versi, batas untuk tugas ini" in refused.get_data(as_text=True)
    assert count(SubmissionVersion) == 3


def test_the_total_size_of_a_participants_files_is_limited(setup, client, login, app, monkeypatch):  # noqa: F811
    pdf = samples.pdf()
    monkeypatch.setattr(services, "MAX_TOTAL_BYTES", 2 * len(pdf) + 10)
    login(setup["participant"])
    assert post(client, setup["lesson_id"], files=[("a.pdf", pdf)]).status_code == 303
    assert post(client, setup["lesson_id"], files=[("b.pdf", pdf)]).status_code == 303
    before = stored_files(app)
    refused = post(client, setup["lesson_id"], files=[("c.pdf", pdf)])
    assert refused.status_code == 422
    assert "Ruang kiriman Anda tidak cukup" in refused.get_data(as_text=True)
    assert count(SubmissionFile) == 2 and stored_files(app) == before  # nothing kept of the refused one
    other = factories.assignment(setup["course"])  # the quota is the participant's, over all assignments
    db.session.commit()
    assert post(client, other.lesson_id, files=[("d.pdf", pdf)]).status_code == 422
    assert post(client, other.lesson_id, text="Jawaban teks saja").status_code == 303  # text needs no room


def test_the_page_shows_the_space_used(setup, client, login):  # noqa: F811
    login(setup["participant"])
    post(client, setup["lesson_id"], files=[("a.jpg", samples.jpg())])
    page = client.get(f"/tugas/{setup['lesson_id']}").get_data(as_text=True)
    assert "berkas 0,0 MB dari 100,0 MB terpakai" in page
