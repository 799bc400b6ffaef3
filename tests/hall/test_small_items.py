"""Issue 18's smaller items: words said twice, the login page's reset hint, publish warnings, the lesson
show/hide toggle, the certificate's signatory blocks and the unnamed default signatory."""
from sqlalchemy import select

from kopedu.cohorts.models import Cohort
from kopedu.extensions import db
from tests import factories


def test_assignment_page_does_not_say_tugas_twice(app, client, login):
    course = factories.course()
    assignment = factories.assignment(course, title="Tugas rencana bisnis")
    other = factories.assignment(course, title="Rencana aksi 3 bulan")
    trainer = factories.trainer_of(course)
    db.session.commit()
    login(trainer)
    html = client.get(f"/kelola/tugas/{assignment.id}").get_data(as_text=True)
    assert "<h1>Tugas rencana bisnis</h1>" in html and "Tugas: Tugas" not in html
    html = client.get(f"/kelola/tugas/{other.id}").get_data(as_text=True)
    assert "<h1>Tugas: Rencana aksi 3 bulan</h1>" in html


def test_new_cohort_message_does_not_say_angkatan_twice(app, client, login):
    admin = factories.user("admin")
    course = factories.course()
    factories.kupang_regions()
    db.session.commit()
    login(admin)
    response = client.post("/angkatan/baru", data={"course_id": course.id, "name": "Angkatan I Kota Kupang",
                                                   "code": "KPG-1", "region": "5371"})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Angkatan sudah dibuat: Angkatan I Kota Kupang." in html and "Angkatan Angkatan" not in html
    assert db.session.scalar(select(Cohort.code)) == "KPG-1"
