"""The region rule over enrolments has three SQL forms (kopedu.web.access): the OR of subqueries
(`visible_enrollments`), a UNION of ids (`visible_enrollment_ids`, for counts) and a per-row check on a
join (`visible_enrollment_rows`, for ordered pages). They must pick the same enrolments for every kind of
viewer, or a count would disagree with its list, or worse, a page would show what the rule hides."""
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from kopedu.regions.models import Cooperative
from kopedu.web import access
from tests import factories
from tests.regions.scope_world import two_dinas


def _three_forms(user):
    t = db.metadata.tables
    enrollment = t["enrollment"]
    by_or = set(db.session.scalars(select(enrollment.c.id).where(access.visible_enrollments(user))))
    by_union = set(db.session.scalars(select(enrollment.c.id).where(
        enrollment.c.id.in_(access.visible_enrollment_ids(user)))))
    by_row = set(db.session.scalars(
        select(Enrollment.id).join(User, User.id == Enrollment.user_id)
        .outerjoin(Cooperative, Cooperative.id == User.cooperative_id)
        .where(access.visible_enrollment_rows(user, Enrollment, User, Cooperative))))
    return by_or, by_union, by_row


def test_the_three_forms_of_the_rule_agree_for_every_viewer(app):
    w = two_dinas()
    # a participant living in Kota Kupang who follows Kabupaten's cohort, and one with no cooperative
    moved, e_moved = factories.participant_in(w.cohort_kab, "5371030011", full_name="Pindahan Kota")
    loose = factories.user(full_name="Tanpa Koperasi", region_code="5371030")
    e_loose = factories.enrollment(loose, w.course, cohort=w.cohort_kab)
    national_trainer = factories.trainer_of(w.course, full_name="Pelatih Nasional")
    other_course = factories.course(title="Kursus Lain")
    stranger, e_stranger = factories.participant_in(factories.cohort(other_course, region_code="5371"),
                                                   "5371030011", full_name="Peserta Kursus Lain")
    observer = factories.user("observer", region_code="5371")
    db.session.commit()
    viewers = {"national admin": w.national, "admin kota": w.admin_kota, "admin kab": w.admin_kab,
               "trainer kota": w.trainer_kota, "trainer kab": w.trainer_kab, "national trainer": national_trainer,
               "observer": observer}
    seen = {}
    for name, user in viewers.items():
        by_or, by_union, by_row = _three_forms(user)
        assert by_or == by_union == by_row, name
        seen[name] = by_or
    everyone = {w.e_kota.id, w.e_kab.id, e_moved.id, e_loose.id, e_stranger.id}
    assert seen["national admin"] == everyone
    assert seen["admin kota"] == {w.e_kota.id, e_moved.id, e_loose.id, e_stranger.id}
    assert seen["trainer kota"] == {w.e_kota.id, e_moved.id, e_loose.id}  # not the other course's
    assert seen["trainer kab"] == {w.e_kab.id, e_moved.id, e_loose.id}    # their cohort
    assert seen["national trainer"] == {w.e_kota.id, w.e_kab.id, e_moved.id, e_loose.id}
    assert seen["observer"] == set()
