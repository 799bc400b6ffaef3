"""Cohorts, their sessions and attendance. Services flush; the routes commit."""
import secrets
from datetime import date, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, or_, select, true
from sqlalchemy.exc import IntegrityError

from kopedu.auth.models import User
from kopedu.auth.services import normalize_phone
from kopedu.cohorts.models import (ATTENDANCE_STATUSES, ATTENDED, Attendance, Cohort, CohortSession,
                                   cohort_trainer)
from kopedu.courses.models import Course
from kopedu.db import insert, local_zone, utcnow
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from kopedu.learning.services import enroll, id_chunks
from kopedu.regions.models import Region
from kopedu import events
from kopedu.web.access import in_region, region_allowed, sees_region, visible_cohorts

# Self check-in opens this long before a session starts and closes when it ends.
CHECKIN_OPENS_BEFORE = timedelta(minutes=30)
# A self check-in this long after the start is recorded as late.
LATE_AFTER = timedelta(minutes=15)


class CohortError(ValueError):
    """A user-facing validation error; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


class CheckInError(CohortError):
    pass


class AttendanceClosed(CohortError):
    """A change to the attendance of a closed session."""


# --- cohorts ---------------------------------------------------------------------------------

def cohorts_for(user) -> list[Cohort]:
    """The cohorts a user runs: those of their region for admins (every cohort for national admins),
    the assigned ones for trainers."""
    stmt = select(Cohort).order_by(Cohort.starts_on.desc().nulls_last(), Cohort.name)
    if user.is_admin:
        stmt = stmt.where(in_region(Cohort.region_code, user))
    else:
        if user.role != "trainer":
            return []
        stmt = stmt.join(cohort_trainer, cohort_trainer.c.cohort_id == Cohort.id).where(
            cohort_trainer.c.user_id == user.id)
    return list(db.session.scalars(stmt))


def cohorts_page(user, q: str = "", after: int | None = None, before: int | None = None):
    """A keyset page (newest first) of the cohorts a user runs (as cohorts_for), optionally those
    whose name or code contains `q`."""
    from sqlalchemy.orm import joinedload

    from kopedu.web.keyset import KeysetPage, keyset_page

    stmt = select(Cohort).options(joinedload(Cohort.course))
    if user.is_admin:
        stmt = stmt.where(in_region(Cohort.region_code, user))  # a region admin: their region's cohorts
    else:
        if user.role != "trainer":
            return KeysetPage()
        stmt = stmt.join(cohort_trainer, cohort_trainer.c.cohort_id == Cohort.id).where(
            cohort_trainer.c.user_id == user.id)
    q = (q or "").strip()[:60]
    if q:
        stmt = stmt.where(or_(func.lower(Cohort.name).contains(q.lower(), autoescape=True),
                              func.lower(Cohort.code).contains(q.lower(), autoescape=True)))
    return keyset_page(stmt, Cohort.id, after, before)


def can_manage(user, cohort: Cohort) -> bool:
    """The admins of the cohort's region (national admins: every cohort), and the trainers assigned
    to the cohort, run it (sessions, attendance, import)."""
    if not (user and user.is_authenticated):
        return False
    return sees_region(user, cohort.region_code) if user.is_admin else cohort.is_trainer(user)


def save_cohort(cohort: Cohort | None, *, course_id: int | None, code: str, name: str,
                starts_on: date | None, ends_on: date | None, venue: str | None,
                region_code: str | None, trainer_ids: list[int], actor=None) -> Cohort:
    """Create (cohort=None) or update a cohort after validating it. Flushes. With `actor` (the admin
    doing it), the cohort's region must lie in the actor's region (a region admin's cohorts are theirs)."""
    code = (code or "").strip().upper()
    name = " ".join((name or "").split())
    if not name:
        raise CohortError(_("Nama angkatan wajib diisi."), "name")
    if not code:
        raise CohortError(_("Kode angkatan wajib diisi."), "code")
    course = db.session.get(Course, course_id) if course_id else None
    if course is None:
        raise CohortError(_("Pilih kursus."), "course_id")
    if starts_on and ends_on and ends_on < starts_on:
        raise CohortError(_("Tanggal selesai tidak boleh sebelum tanggal mulai."), "ends_on")
    if region_code and db.session.get(Region, region_code) is None:
        raise CohortError(_("Wilayah tidak ditemukan."), "region")
    if actor is not None and not region_allowed(actor, region_code):
        raise CohortError(_("Angkatan harus berada di wilayah Anda (%(region)s).", region=actor.region_code),
                          "region")
    clash = db.session.scalar(select(Cohort.id).where(
        Cohort.code == code, Cohort.id != (cohort.id if cohort and cohort.id else -1)))
    if clash is not None:
        raise CohortError(_("Kode angkatan ini sudah dipakai."), "code")
    trainers = list(db.session.scalars(select(User).where(
        User.id.in_(trainer_ids or []), User.role == "trainer"))) if trainer_ids else []
    if cohort is None:
        cohort = Cohort()
        db.session.add(cohort)
    elif cohort.course_id != course.id and _has_enrollments(cohort):
        raise CohortError(_("Kursus tidak bisa diganti setelah ada peserta."), "course_id")
    cohort.course_id = course.id
    cohort.course = course
    cohort.code = code
    cohort.name = name
    cohort.starts_on = starts_on
    cohort.ends_on = ends_on
    cohort.venue = " ".join((venue or "").split()) or None
    cohort.region_code = region_code or None
    cohort.trainers = trainers
    db.session.flush()
    return cohort


def _has_enrollments(cohort: Cohort) -> bool:
    return db.session.scalar(select(Enrollment.id).where(Enrollment.cohort_id == cohort.id).limit(1)) is not None


def enroll_in_cohort(cohort: Cohort, user: User) -> Enrollment:
    """Enrol the user in the cohort and so in its course. Refuses when the user already follows the
    course in another cohort (one enrolment per user and course). Flushes."""
    enrollment = enroll(user, cohort.course, cohort)
    if enrollment.cohort_id != cohort.id:
        raise CohortError(_("Peserta sudah terdaftar di angkatan lain untuk kursus ini."))
    return enrollment


def participants(cohort: Cohort, q: str = "", page: int = 1, per_page: int = 50):
    """The cohort's enrolments (with their users), by name; searchable by name or phone."""
    stmt = (select(Enrollment).join(User, User.id == Enrollment.user_id)
            .where(Enrollment.cohort_id == cohort.id).order_by(User.full_name, User.id))
    q = (q or "").strip()
    if q:
        phone = normalize_phone(q)
        stmt = stmt.where(or_(func.lower(User.full_name).contains(q.lower(), autoescape=True),
                              User.phone == phone if phone else False))
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def certified_enrollments(enrollments) -> set[int]:
    """The ids of those enrolments that hold a live (not revoked) certificate. One query."""
    ids = [e.id for e in enrollments]
    if not ids:
        return set()
    certificate = db.metadata.tables["certificate"]
    return set(db.session.scalars(select(certificate.c.enrollment_id).where(
        certificate.c.enrollment_id.in_(ids), certificate.c.revoked_at.is_(None))))


def participant_count(cohort: Cohort) -> int:
    return db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == cohort.id)) or 0


# --- sessions ----------------------------------------------------------------------------------

def save_session(cohort: Cohort, session: CohortSession | None, *, held_on: date | None,
                 starts_at: time | None, ends_at: time | None, place: str | None,
                 topic: str) -> CohortSession:
    """Create (session=None) or update one session of the cohort. Times are local. Flushes."""
    topic = " ".join((topic or "").split())
    if not topic:
        raise CohortError(_("Topik wajib diisi."), "topic")
    if held_on is None:
        raise CohortError(_("Isi tanggal sesi."), "held_on")
    if starts_at is None or ends_at is None:
        raise CohortError(_("Isi jam mulai dan jam selesai."), "starts_at")
    if ends_at <= starts_at:
        raise CohortError(_("Jam selesai harus sesudah jam mulai."), "ends_at")
    if session is None:
        session = CohortSession(cohort=cohort, checkin_code=_unique_code(cohort))
        db.session.add(session)
    session.held_on = held_on
    session.starts_at = starts_at
    session.ends_at = ends_at
    session.place = " ".join((place or "").split()) or None
    session.topic = topic
    db.session.flush()
    return session


def outside_cohort_dates(session: CohortSession) -> bool:
    """True when the session's day falls before the cohort's start or after its end (a typo, most
    often: the session is kept, the trainer is warned)."""
    cohort = session.cohort
    return bool((cohort.starts_on and session.held_on < cohort.starts_on)
                or (cohort.ends_on and session.held_on > cohort.ends_on))


def delete_session(session: CohortSession) -> None:
    """Delete a session nobody's attendance was taken in yet. Flushes."""
    if db.session.scalar(select(Attendance.id).where(Attendance.session_id == session.id).limit(1)):
        raise CohortError(_("Sesi yang sudah punya presensi tidak bisa dihapus."))
    db.session.delete(session)
    db.session.flush()


def _unique_code(cohort: Cohort, avoid: str | None = None) -> str:
    taken = set(db.session.scalars(select(CohortSession.checkin_code).where(
        CohortSession.cohort_id == cohort.id))) if cohort.id else set()
    taken.add(avoid)
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if code not in taken:
            return code


def new_checkin_code(session: CohortSession) -> str:
    """Replace the session's check-in code (e.g. after it was shared outside the hall). Flushes."""
    session.checkin_code = _unique_code(session.cohort, avoid=session.checkin_code)
    db.session.flush()
    return session.checkin_code


def session_window(session: CohortSession) -> tuple[datetime, datetime]:
    """When self check-in is open, as aware datetimes: from 30 minutes before the start to the end."""
    zone = local_zone()
    start = datetime.combine(session.held_on, session.starts_at, tzinfo=zone)
    end = datetime.combine(session.held_on, session.ends_at, tzinfo=zone)
    return start - CHECKIN_OPENS_BEFORE, end


def checkin_open(session: CohortSession, now: datetime | None = None) -> bool:
    opens, closes = session_window(session)
    return opens <= (now or utcnow()) <= closes


def find_session(cohort: Cohort, session_id: int) -> CohortSession | None:
    session = db.session.get(CohortSession, session_id)
    return session if session is not None and session.cohort_id == cohort.id else None


# --- attendance --------------------------------------------------------------------------------

def attendance_sheet(session: CohortSession) -> list[tuple[Enrollment, str | None]]:
    """Every participant of the session's cohort with their status (None = not marked yet), by name.
    One query."""
    stmt = (select(Enrollment, Attendance.status)
            .join(User, User.id == Enrollment.user_id)
            .outerjoin(Attendance, (Attendance.enrollment_id == Enrollment.id)
                       & (Attendance.session_id == session.id))
            .where(Enrollment.cohort_id == session.cohort_id)
            .order_by(User.full_name, User.id))
    return [(enrollment, status) for enrollment, status in db.session.execute(stmt)]


def filter_sheet(sheet, q: str = "", village_code: str = ""):
    """The rows of an attendance sheet whose name contains `q` (any case) and whose cooperative is in
    the kelurahan `village_code` (empty: any)."""
    needle = (q or "").strip().lower()
    return [(e, s) for e, s in sheet
            if (not needle or needle in e.user.full_name.lower())
            and (not village_code or (e.user.cooperative and e.user.cooperative.village_code == village_code))]


def sheet_villages(sheet) -> list:
    """The kelurahan of the participants on a sheet, by name (for the filter)."""
    villages = {e.user.village.code: e.user.village for e, _s in sheet if e.user.village is not None}
    return sorted(villages.values(), key=lambda v: v.name)


def attendance_summary(session: CohortSession) -> dict[str, int]:
    """Counts per status, "unmarked", "total" (participants) and "attended" (present or late)."""
    rows = db.session.execute(select(Attendance.status, func.count()).where(
        Attendance.session_id == session.id).group_by(Attendance.status))
    summary = dict.fromkeys(ATTENDANCE_STATUSES, 0)
    summary.update({status: n for status, n in rows})
    summary["total"] = participant_count(session.cohort)
    summary["unmarked"] = summary["total"] - sum(summary[s] for s in ATTENDANCE_STATUSES)
    summary["attended"] = sum(summary[s] for s in ATTENDED)
    return summary


def attended_counts(cohort: Cohort) -> dict[int, int]:
    """Participants present or late, per session of the cohort (one query)."""
    rows = db.session.execute(
        select(Attendance.session_id, func.count())
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .where(CohortSession.cohort_id == cohort.id, Attendance.status.in_(ATTENDED))
        .group_by(Attendance.session_id))
    return dict(rows.all())


def find_enrollment(session: CohortSession, enrollment_id: int) -> Enrollment | None:
    enrollment = db.session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.cohort_id != session.cohort_id:
        return None
    return enrollment


def set_attendance(session: CohortSession, enrollment: Enrollment, status: str, actor=None,
                   method: str = "trainer") -> Attendance:
    """Record the participant's status for the session (idempotent). Flushes.

    A tap is not a settled state: nothing is evaluated here. The completion rules read attendance
    only from closed sessions, when the trainer closes them (close_attendance). A closed session
    refuses changes until it is opened again."""
    if status not in ATTENDANCE_STATUSES:
        raise CohortError(_("Status kehadiran tidak dikenal."))
    if enrollment.cohort_id != session.cohort_id:
        raise CohortError(_("Peserta ini bukan anggota angkatan sesi ini."))
    if session.attendance_closed:
        raise AttendanceClosed(_("Presensi sesi ini sudah ditutup. Buka lagi presensinya untuk mengubah."))
    record = db.session.scalar(select(Attendance).where(
        Attendance.session_id == session.id, Attendance.enrollment_id == enrollment.id))
    if record is not None and record.status == status:
        return record
    values = {"status": status, "method": method, "marked_at": utcnow(), "marked_by_id": getattr(actor, "id", None)}
    if record is None:
        # Two phones marking the same name at once: the database keeps one row (unique constraint);
        # the loser updates the winner's row instead of failing.
        try:
            with db.session.begin_nested():
                record = Attendance(session_id=session.id, enrollment_id=enrollment.id, **values)
                db.session.add(record)
        except IntegrityError:
            record = db.session.scalar(select(Attendance).where(
                Attendance.session_id == session.id, Attendance.enrollment_id == enrollment.id))
    for key, value in values.items():
        setattr(record, key, value)
    db.session.flush()
    return record


def close_attendance(session: CohortSession, actor=None, now: datetime | None = None) -> bool:
    """"Tutup presensi": the session's attendance is settled. The completion rules of every participant
    of the cohort are evaluated now (event attendance_closed, see kopedu.events), and certificates are
    issued where they hold. Returns False if it was already closed (nothing happens). Flushes."""
    if session.attendance_closed:
        return False
    session.attendance_closed_at = now or utcnow()
    session.attendance_closed_by_id = getattr(actor, "id", None)
    db.session.flush()
    events.emit("attendance_closed", session)
    return True


def close_attendance_and_count(session: CohortSession, actor=None) -> list[str] | None:
    """close_attendance, and the names of those who got a certificate by it (by name), or None if it was
    already closed. Flushes."""
    enrollments = list(db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == session.cohort_id)))
    before = certified_enrollments(enrollments)
    if not close_attendance(session, actor):
        return None
    new = certified_enrollments(enrollments) - before
    return sorted((e.user.full_name for e in enrollments if e.id in new), key=str.casefold)


def reopen_attendance(session: CohortSession) -> bool:
    """Open a closed session's attendance again (to correct a mistake). Certificates already issued stay:
    revoking is the admin's decision (the list "tidak lagi memenuhi syarat"). Flushes."""
    if not session.attendance_closed:
        return False
    session.attendance_closed_at = None
    session.attendance_closed_by_id = None
    db.session.flush()
    return True


def close_due_sessions(now: datetime | None = None) -> int:
    """Close the attendance of every session whose day has ended (local time) and that nobody closed.
    Run by `flask kopedu close-attendance` (a timer after midnight). Returns how many. Flushes."""
    now = now or utcnow()
    today = now.astimezone(local_zone()).date()
    due = db.session.scalars(select(CohortSession).where(
        CohortSession.held_on < today, CohortSession.attendance_closed_at.is_(None))
        .order_by(CohortSession.held_on, CohortSession.id)).all()
    for session in due:
        close_attendance(session, None, now)
    return len(due)


def mark_rest(session: CohortSession, status: str, actor=None) -> int:
    """Give everyone not marked yet the status ("Semua hadir": present; at the end: absent).
    Returns how many. Flushes."""
    if status not in ATTENDANCE_STATUSES:
        raise CohortError(_("Status kehadiran tidak dikenal."))
    if session.attendance_closed:
        raise AttendanceClosed(_("Presensi sesi ini sudah ditutup. Buka lagi presensinya untuk mengubah."))
    unmarked = [enrollment.id for enrollment, current in attendance_sheet(session) if current is None]
    if not unmarked:
        return 0
    # One INSERT for all of them; a name another phone marked meanwhile keeps its status (unique constraint).
    values = {"session_id": session.id, "status": status, "method": "trainer", "marked_at": utcnow(),
              "marked_by_id": getattr(actor, "id", None)}
    result = db.session.execute(insert(Attendance).values([{**values, "enrollment_id": e} for e in unmarked])
                                .on_conflict_do_nothing(index_elements=["session_id", "enrollment_id"]))
    return result.rowcount


def mark_rest_absent(session: CohortSession, actor=None) -> int:
    """Mark everyone not marked yet as absent (at the end of a session). Returns how many."""
    return mark_rest(session, "absent", actor)


def attendance_pct(enrollment, settled_only: bool = False) -> float | None:
    """Share of the cohort's scheduled sessions the participant attended (present or late), 0–100.

    Every scheduled session counts, also those still to come, so the figure reaches the completion
    threshold only once enough sessions were attended. Excused (izin) and absent do not count as
    attended. None when the enrolment has no cohort or the cohort has no sessions yet.
    settled_only (the completion rules): only attendance of closed sessions counts as attended.
    """
    if enrollment is None:
        return None
    return attendance_pcts([enrollment], settled_only)[enrollment.id]


def attendance_pcts(enrollments, settled_only: bool = False) -> dict[int, float | None]:
    """attendance_pct for many enrolments at once (two aggregate queries per 1,000 enrolments)."""
    enrollments = list(enrollments)
    cohort_ids = {e.cohort_id for e in enrollments if e.cohort_id}
    if not cohort_ids:
        return {e.id: None for e in enrollments}
    totals = {}
    for chunk in id_chunks(cohort_ids):
        totals.update(db.session.execute(
            select(CohortSession.cohort_id, func.count()).where(CohortSession.cohort_id.in_(chunk))
            .group_by(CohortSession.cohort_id)).all())
    attended = {}
    for chunk in id_chunks([e.id for e in enrollments]):  # bounded lists, never every enrolment at once
        attended.update(db.session.execute(
            select(Attendance.enrollment_id, func.count())
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .join(Enrollment, Enrollment.id == Attendance.enrollment_id)
            .where(Attendance.enrollment_id.in_(chunk),
                   Attendance.status.in_(ATTENDED), CohortSession.cohort_id == Enrollment.cohort_id,
                   CohortSession.attendance_closed_at.is_not(None) if settled_only else true())
            .group_by(Attendance.enrollment_id)).all())
    result = {}
    for e in enrollments:
        total = totals.get(e.cohort_id, 0) if e.cohort_id else 0
        result[e.id] = round(100.0 * attended.get(e.id, 0) / total, 1) if total else None
    return result


def upcoming_sessions(user: User, now: datetime | None = None, limit: int = 5) -> list[CohortSession]:
    """The participant's sessions today and later, soonest first."""
    zone = local_zone()
    today = (now or utcnow()).astimezone(zone).date()
    stmt = (select(CohortSession).join(Enrollment, Enrollment.cohort_id == CohortSession.cohort_id)
            .where(Enrollment.user_id == user.id, CohortSession.held_on >= today)
            .order_by(CohortSession.held_on, CohortSession.starts_at).limit(limit))
    return list(db.session.scalars(stmt))


COHORT_CHOICES = 50  # cohorts offered by one selector; more are found by typing part of the name or code


def cohort_choices(course_id, q: str = "", limit: int = COHORT_CHOICES, viewer=None):
    """(id, name) of the course's (or, given a list, these courses') cohorts whose name or code contains `q`,
    by name, at most `limit`, without loading a Cohort object per option; with `viewer`, only the cohorts
    the viewer may pick (kopedu.web.access.visible_cohorts). Returns (choices, more): more is True when
    further cohorts match (the selector then asks to type more of the name)."""
    stmt = select(Cohort.id, Cohort.name).order_by(Cohort.name, Cohort.id).limit(limit + 1)
    if viewer is not None:
        stmt = stmt.where(visible_cohorts(viewer))
    if isinstance(course_id, (list, tuple, set, frozenset)):
        stmt = stmt.where(Cohort.course_id.in_(list(course_id)))  # the user's courses: a short list
    elif course_id is not None:
        stmt = stmt.where(Cohort.course_id == course_id)
    q = (q or "").strip()[:60]
    if q:
        stmt = stmt.where(or_(func.lower(Cohort.name).contains(q.lower(), autoescape=True),
                              func.lower(Cohort.code).contains(q.lower(), autoescape=True)))
    rows = db.session.execute(stmt).all()
    return rows[:limit], len(rows) > limit
