from datetime import date

from sqlalchemy import func, select

from kopedu.cohorts import services
from kopedu.cohorts.models import Cohort, CohortSession
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from tests import factories


def _cohort_form(course, **overrides):
    data = {"course_id": str(course.id), "name": "Angkatan I Kota Kupang", "code": "kpg-2026-1",
            "starts_on": "2026-11-16", "ends_on": "2026-11-20", "venue": "Aula SMK Negeri 3 Kupang",
            "region": "Kota Kupang"}
    data.update(overrides)
    return data


def test_admin_creates_a_cohort_with_trainers(app, client, login):
    factories.kupang_regions()
    admin = factories.user("admin")
    trainers = [factories.user("trainer", full_name="Maria"), factories.user("trainer", full_name="Agus")]
    course = factories.course()
    login(admin)
    data = _cohort_form(course)
    data["trainer_ids"] = [str(t.id) for t in trainers]
    response = client.post("/angkatan/baru", data=data)
    assert response.status_code == 303
    cohort = db.session.scalar(select(Cohort))
    assert cohort.code == "KPG-2026-1" and cohort.region_code == "5371" and cohort.starts_on == date(2026, 11, 16)
    assert sorted(t.full_name for t in cohort.trainers) == ["Agus", "Maria"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aula SMK Negeri 3 Kupang" in page and "Agus, Maria" in page


def test_cohort_form_errors_are_422_and_write_nothing(app, client, login):
    factories.kupang_regions()
    admin = factories.user("admin")
    course = factories.course()
    factories.cohort(course=course, code="DIPAKAI")
    login(admin)
    for overrides, message in (({"code": "dipakai"}, "sudah dipakai"),
                               ({"ends_on": "2026-11-01"}, "tidak boleh sebelum"),
                               ({"region": "Atlantis"}, "Wilayah tidak ditemukan"),
                               ({"name": ""}, "Nama angkatan wajib diisi")):
        response = client.post("/angkatan/baru", data=_cohort_form(course, **overrides))
        assert response.status_code == 422
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 1


def test_only_admins_create_cohorts_and_trainers_see_only_theirs(app, client, login):
    mine = factories.user("trainer")
    theirs = factories.user("trainer")
    a = factories.cohort(trainers=[mine], name="Angkatan Saya")
    b = factories.cohort(trainers=[theirs], name="Angkatan Lain")
    observer = factories.user("observer", region_code="5371")
    login(mine)
    assert client.get("/angkatan/baru").status_code == 403
    html = client.get("/angkatan").get_data(as_text=True)
    assert "Angkatan Saya" in html and "Angkatan Lain" not in html
    assert client.get(f"/angkatan/{a.id}").status_code == 200
    assert client.get(f"/angkatan/{b.id}").status_code == 403
    assert client.get("/angkatan/99999").status_code == 404
    client.post("/keluar")
    login(observer)
    assert client.get("/angkatan").status_code == 403


def test_trainer_schedules_a_session(app, client, login):
    trainer = factories.user("trainer")
    cohort = factories.cohort(trainers=[trainer])
    login(trainer)
    url = f"/angkatan/{cohort.id}/sesi/baru"
    bad = client.post(url, data={"topic": "Modul 1", "held_on": "2026-11-18", "starts_at": "12:00", "ends_at": "08:00"})
    assert bad.status_code == 422 and "Jam selesai harus sesudah jam mulai" in bad.get_data(as_text=True)
    response = client.post(url, data={"topic": "Modul 1 — Dasar perkoperasian", "held_on": "2026-11-18",
                                      "starts_at": "08:00", "ends_at": "12:00", "place": ""})
    assert response.status_code == 303
    session = db.session.scalar(select(CohortSession))
    assert session.topic == "Modul 1 — Dasar perkoperasian" and len(session.checkin_code) == 6
    assert session.checkin_code.isdigit()
    html = client.get(f"/angkatan/{cohort.id}").get_data(as_text=True)
    assert "Modul 1 — Dasar perkoperasian" in html and "18 November 2026" in html and "08.00–12.00" in html
    response = client.post(f"/angkatan/{cohort.id}/sesi/{session.id}/ubah",
                           data={"topic": "Modul 1", "held_on": "2026-11-19", "starts_at": "09:00",
                                 "ends_at": "11:00", "place": "Aula Kantor Camat Oebobo"})
    assert response.status_code == 303
    db.session.expire_all()
    assert session.held_on == date(2026, 11, 19) and session.place == "Aula Kantor Camat Oebobo"


def test_a_session_outside_the_cohort_dates_is_kept_with_a_warning(app, client, login):
    trainer = factories.user("trainer")
    cohort = factories.cohort(trainers=[trainer])  # 11–15 November 2026
    login(trainer)
    url = f"/angkatan/{cohort.id}/sesi/baru"
    data = {"topic": "Modul 1", "starts_at": "08:00", "ends_at": "12:00", "place": ""}
    client.post(url, data={**data, "held_on": "2026-11-12"})
    html = client.get(f"/angkatan/{cohort.id}").get_data(as_text=True)
    assert "Sesi sudah ditambahkan." in html and "di luar jadwal angkatan" not in html
    response = client.post(url, data={**data, "held_on": "2026-12-11"})  # month and day swapped
    assert response.status_code == 303
    html = client.get(f"/angkatan/{cohort.id}").get_data(as_text=True)
    assert ("Perhatian: tanggal sesi (11 Desember 2026) di luar jadwal angkatan (11 November 2026 – "
            "15 November 2026)") in html
    assert db.session.scalar(select(func.count()).select_from(CohortSession)) == 2


def test_session_with_attendance_cannot_be_deleted(app, client, login):
    trainer = factories.user("trainer")
    cohort = factories.cohort(trainers=[trainer])
    empty = factories.cohort_session(cohort)
    used = factories.cohort_session(cohort)
    _u, enrollment = factories.participant_in(cohort)
    services.set_attendance(used, enrollment, "present", actor=trainer)
    login(trainer)
    refused = client.post(f"/angkatan/{cohort.id}/sesi/{used.id}/hapus")
    assert refused.status_code == 409 and "sudah punya presensi" in refused.get_data(as_text=True)
    assert client.post(f"/angkatan/{cohort.id}/sesi/{empty.id}/hapus").status_code == 303
    assert [s.id for s in db.session.scalars(select(CohortSession))] == [used.id]


def test_session_of_another_cohort_is_404(app, client, login):
    trainer = factories.user("trainer")
    mine = factories.cohort(trainers=[trainer])
    other = factories.cohort()
    session = factories.cohort_session(other)
    login(trainer)
    assert client.get(f"/angkatan/{mine.id}/sesi/{session.id}").status_code == 404


def test_enrolling_in_the_cohort_enrols_in_the_course(app):
    cohort = factories.cohort()
    person = factories.user("participant", cooperative_id=factories.cooperative().id)
    enrollment = services.enroll_in_cohort(cohort, person)
    assert (enrollment.course_id, enrollment.cohort_id) == (cohort.course_id, cohort.id)
    assert services.enroll_in_cohort(cohort, person).id == enrollment.id  # idempotent
    other = factories.cohort(course=cohort.course)
    try:
        services.enroll_in_cohort(other, person)
    except services.CohortError as error:
        assert "angkatan lain" in str(error)
    else:
        raise AssertionError("a second cohort of the same course must be refused")
    assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 1


def test_cohort_page_lists_participants_with_progress_and_attendance(app, client, login):
    trainer = factories.user("trainer")
    cohort = factories.cohort(trainers=[trainer])
    s = factories.cohort_session(cohort)
    person, enrollment = factories.participant_in(cohort, full_name="Yuliana Ndun")
    enrollment.progress_pct = 40
    services.set_attendance(s, enrollment, "present", actor=trainer)
    login(trainer)
    html = client.get(f"/angkatan/{cohort.id}?q=yuli").get_data(as_text=True)
    assert "Yuliana Ndun" in html and "kemajuan 40%" in html and "hadir 100%" in html


def test_form_fields_render_their_real_input_types(app, client, login):
    """The shared field macro must not print type="None" (a password shown as plain text, a file
    field that cannot upload)."""
    html = client.get("/masuk").get_data(as_text=True)
    assert 'type="password"' in html and '"None"' not in html
    trainer = factories.user("trainer")
    cohort = factories.cohort(trainers=[trainer])
    login(trainer)
    html = client.get(f"/angkatan/{cohort.id}/impor").get_data(as_text=True)
    assert 'type="file"' in html and '"None"' not in html
    html = client.get(f"/angkatan/{cohort.id}/sesi/baru").get_data(as_text=True)
    assert 'type="date"' in html and 'type="time"' in html and '"None"' not in html
