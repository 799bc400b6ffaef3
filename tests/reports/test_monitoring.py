"""Monitoring figures, charts, exports and the facts they are computed from."""
import io
from datetime import datetime, timedelta, timezone

import pytest

from kopedu.certificates import services as certificates
from kopedu.certificates.models import Certificate
from kopedu.courses.models import Quiz
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning.models import QuizAttempt
from kopedu.reports import facts, services
from kopedu.reports.models import MonitorEnrollment
from kopedu import events
from tests import factories

NOW = utcnow()


def _ago(days):
    return NOW - timedelta(days=days)


@pytest.fixture
def world(app):
    """Kota Kupang: Oebufu (two cooperatives) and Kayu Putih in Oebobo, Namosain in Alak."""
    factories.kupang_regions()
    course = factories.course(lessons=4)
    pre = Quiz(course=course, role="pretest", title="Pre-test")
    post = Quiz(course=course, role="posttest", title="Post-test")
    db.session.add_all([pre, post])
    cohort = factories.cohort(course=course)
    coops = {"oebufu": factories.cooperative("5371030011", "Koperasi Oebufu"),
             "oebufu2": factories.cooperative("5371030011", "Koperasi Oebufu Dua"),
             "kayu": factories.cooperative("5371030013", "Koperasi Kayu Putih"),
             "alak": factories.cooperative("5371010011", "Koperasi Namosain")}
    people = {}

    def person(key, coop, progress, active_days=None, completed=False, scores=None, enrolled_days=30):
        user, enrollment = factories.participant_in(cohort, cooperative=coops[coop], full_name=key)
        enrollment.progress_pct = progress
        enrollment.enrolled_at = _ago(enrolled_days)
        enrollment.last_activity_at = _ago(active_days) if active_days is not None else None
        enrollment.completed_at = _ago(active_days) if completed else None
        for quiz, score in zip((pre, post), scores or ()):
            if score is not None:
                db.session.add(QuizAttempt(quiz=quiz, user_id=user.id, score=score, submitted_at=_ago(20)))
        people[key] = (user, enrollment)

    person("Ana", "oebufu", 100, active_days=2, completed=True, scores=(40, 90))
    person("Beni", "oebufu", 50, active_days=3, scores=(60, None))
    person("Citra", "oebufu2", 10, active_days=1)  # active but under the threshold: behind
    person("Dedi", "kayu", 60, active_days=20)  # no activity for 20 days: behind
    person("Eka", "kayu", 0, enrolled_days=2)  # just enrolled, 0 %: under the threshold, so behind
    person("Fani", "alak", 80, active_days=5, scores=(50, 70))
    db.session.commit()
    return {"course": course, "cohort": cohort, "coops": coops, "people": people, "pre": pre, "post": post}


def _rows(code):
    region = services.find_region(code) if code else None
    rows, total = services.region_table(region, services.Filters(now=NOW))
    return {r.key: r for r in rows}, total


def test_region_figures(world):
    rows, total = _rows("5371")
    oebobo, alak, maulafa = rows["5371030"], rows["5371010"], rows["5371020"]
    assert (oebobo.enrolled, oebobo.active, oebobo.completed, oebobo.behind) == (5, 3, 1, 3)
    assert oebobo.avg_progress == pytest.approx((100 + 50 + 10 + 60 + 0) / 5)
    assert oebobo.avg_gain == pytest.approx(50.0)  # only Ana has both tests
    assert (alak.enrolled, alak.active, alak.avg_gain) == (1, 1, 20.0)
    assert maulafa.enrolled == 0 and maulafa.avg_progress is None  # listed even without participants
    assert (total.enrolled, total.active, total.completed, total.behind) == (6, 4, 1, 3)
    assert total.avg_gain == pytest.approx(35.0)
    assert total.hist == [1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1]  # 0, 10, 50, 60, 80, 100
    assert oebobo.certificates == 0  # none issued in this world


def test_kelurahan_level_lists_cooperatives_and_threshold_changes_behind(world):
    rows, total = _rows("5371030011")
    by_name = {r.name: r for r in rows.values()}
    assert by_name["Koperasi Oebufu"].enrolled == 2 and by_name["Koperasi Oebufu Dua"].enrolled == 1
    region = services.find_region("5371030011")
    _rows_, strict = services.region_table(region, services.Filters(now=NOW, threshold=60))
    assert (total.behind, strict.behind) == (1, 2)  # Beni (50 %) is behind under a 60 % threshold


def test_course_filter(world):
    other = factories.course()
    user, _e = world["people"]["Ana"]
    from kopedu.learning.models import Enrollment

    db.session.add(Enrollment(user_id=user.id, course_id=other.id, progress_pct=0))
    db.session.commit()
    _rows_, everything = _rows("5371")
    region = services.find_region("5371")
    _rows2, one = services.region_table(region, services.Filters(now=NOW, course_id=world["course"].id))
    assert (everything.enrolled, one.enrolled) == (7, 6)


def test_falling_behind_list_oldest_activity_first(world):
    rows = services.participant_rows(services.Scope(region_code="5371"), services.Filters(now=NOW), behind_only=True)
    assert [r.full_name for r in rows] == ["Dedi", "Eka", "Citra"]


def test_participant_rows_with_attendance(world):
    from kopedu.cohorts.services import set_attendance

    session = factories.cohort_session(world["cohort"])
    factories.cohort_session(world["cohort"])
    set_attendance(session, world["people"]["Ana"][1], "present")
    db.session.commit()
    rows = services.participant_rows(services.Scope(cooperative_id=world["coops"]["oebufu"].id),
                                     services.Filters(now=NOW))
    assert [(r.full_name, r.attendance, r.gain) for r in rows] == [("Ana", 50.0, 50.0), ("Beni", 0.0, None)]


def test_completions_by_week(world):
    weeks = services.completions_by_week(services.Scope(region_code="5371"), services.Filters(now=NOW))
    assert len(weeks) == 12 and sum(n for _d, n in weeks) == 1
    assert weeks[-1][1] + weeks[-2][1] == 1  # Ana finished two days ago: this week or the last
    assert all(d.weekday() == 0 for d, _n in weeks)


def test_pages_render_charts_and_tables(world, client, login):
    admin = factories.user("admin")
    login(admin)
    html = client.get("/pantau/wilayah/5371").get_data(as_text=True)
    assert html.count("<svg") == 2 and 'class="bar"' in html
    assert "Oebobo" in html and "Alak" in html
    coop = world["coops"]["oebufu"]
    html = client.get(f"/pantau/koperasi/{coop.id}").get_data(as_text=True)
    assert "Ana" in html and "Beni" in html and "Citra" not in html
    html = client.get("/pantau/wilayah/5371/tertinggal").get_data(as_text=True)
    assert html.index("Dedi") < html.index("Eka") < html.index("Citra") and "Beni" not in html
    html = client.get(f"/pantau/peserta/{world['people']['Ana'][0].id}").get_data(as_text=True)
    assert "+50" in html and "Selesai" in html


def test_exports_csv_and_xlsx(world, client, login):
    from openpyxl import load_workbook

    user, _e = world["people"]["Beni"]
    user.full_name = "=HYPERLINK(\"http://contoh\")"
    db.session.commit()
    login(factories.user("admin"))
    response = client.get("/pantau/wilayah/5371/ekspor.csv")
    assert response.mimetype == "text/csv" and 'filename=pantau-5371.csv' in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Kecamatan;Kode;Peserta;Aktif 7 hari")
    assert "Oebobo;5371030;5;3;44;1;0;50;3" in lines
    assert lines[-1].startswith("Jumlah;;6;4;")
    response = client.get(f"/pantau/koperasi/{world['coops']['oebufu'].id}/ekspor.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "Nama"
    assert sorted(v[0] for v in values[1:]) == ["=HYPERLINK(\"http://contoh\")", "Ana"]  # a text cell
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    csv = client.get("/pantau/wilayah/5371/tertinggal/ekspor.csv").get_data(as_text=True)
    assert csv.lstrip("\ufeff").startswith("Nama;HP;Jabatan;Koperasi")  # admins get phone numbers
    assert "Dedi" in csv and "Koperasi Kayu Putih" in csv and "Ana" not in csv


def test_facts_follow_progress_cooperative_moves_and_signals(world):
    user, enrollment = world["people"]["Eka"]
    enrollment.progress_pct = 30
    enrollment.last_activity_at = NOW
    db.session.commit()
    fact = db.session.get(MonitorEnrollment, enrollment.id)
    assert (fact.progress_pct, fact.village_code) == (30, "5371030013")

    user.cooperative_id = world["coops"]["alak"].id  # moved by an admin
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(MonitorEnrollment, enrollment.id).village_code == "5371010011"
    rows, _t = _rows("5371")
    assert rows["5371010"].enrolled == 2 and rows["5371030"].enrolled == 4

    db.session.add(QuizAttempt(quiz=world["post"], user_id=user.id, score=77.0, submitted_at=NOW))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(MonitorEnrollment, enrollment.id).posttest == 77.0

    # A bulk update that bypasses the ORM, announced with the progress_changed event.
    from sqlalchemy import update

    from kopedu.learning.models import Enrollment

    db.session.execute(update(Enrollment).where(Enrollment.id == enrollment.id).values(progress_pct=90))
    events.emit("progress_changed", enrollment)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(MonitorEnrollment, enrollment.id).progress_pct == 90

    user.role = "trainer"  # no longer a participant: out of the figures
    db.session.commit()
    assert db.session.get(MonitorEnrollment, enrollment.id) is None


def test_rebuild_recreates_every_fact(world):
    db.session.execute(MonitorEnrollment.__table__.delete())
    db.session.commit()
    assert facts.rebuild() == 6
    db.session.commit()
    _rows_, total = _rows("5371")
    assert total.enrolled == 6


def test_certificates_are_counted_issued_and_revoked(world):
    admin = factories.user("admin")
    ana = world["people"]["Ana"][1]
    fani = world["people"]["Fani"][1]
    issued = certificates.issue(ana, by=admin, reason="Lulus Bimtek tatap muka.")  # the real path, PDF and all
    db.session.add(Certificate(enrollment_id=fani.id, serial="0002/BIMTEK-KMP/MANDIRI/2026", verify_code="A" * 17,
                               snapshot={"name": "Fani"}, revoked_at=datetime(2026, 1, 1, tzinfo=timezone.utc)))
    db.session.commit()
    rows, total = _rows("5371")
    assert (rows["5371030"].certificates, rows["5371010"].certificates, total.certificates) == (1, 0, 1)
    assert [r.certified for r in services.participant_rows(services.Scope(cooperative_id=world["coops"]["oebufu"].id),
                                                           services.Filters(now=NOW))] == [True, False]
    facts.rebuild()  # the bulk path counts the same
    db.session.commit()
    rows, total = _rows("5371")
    assert (rows["5371030"].certificates, total.certificates) == (1, 1)
    certificates.revoke(issued, admin, "Data peserta keliru.")
    db.session.commit()
    _rows_, total = _rows("5371")
    assert total.certificates == 0


def test_a_rolled_back_savepoint_keeps_what_the_transaction_changed(world):
    """A certificate that cannot be rendered rolls back its savepoint; the progress that triggered it
    is still committed, and so must its facts be."""
    _user, enrollment = world["people"]["Eka"]
    enrollment.progress_pct = 40
    db.session.flush()
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            raise RuntimeError("the PDF could not be rendered")
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(MonitorEnrollment, enrollment.id).progress_pct == 40


def test_region_page_query_count_does_not_grow_with_participants(world, client, login, count_queries):
    login(factories.user("admin"))
    client.get("/pantau/wilayah/5371")
    with count_queries() as few:
        client.get("/pantau/wilayah/5371")
    for i in range(30):
        factories.participant_in(world["cohort"], cooperative=world["coops"]["kayu"], full_name=f"Baru {i}")
    db.session.commit()
    with count_queries() as many:
        html = client.get("/pantau/wilayah/5371").get_data(as_text=True)
    assert ">36<" in html
    assert many.count == few.count
    coop = world["coops"]["kayu"].id
    with count_queries() as coop_page:
        assert "Baru 29" in client.get(f"/pantau/koperasi/{coop}").get_data(as_text=True)
    assert coop_page.count <= 12
