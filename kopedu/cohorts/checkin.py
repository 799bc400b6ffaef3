"""Self check-in in the hall: the rotating code and a participant's check-in with it (services flush;
the routes commit). The sessions and the attendance it writes are kopedu.cohorts.services'."""
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from kopedu.auth.models import User
from kopedu.cohorts.models import ATTENDED, Attendance, CohortSession
from kopedu.cohorts.services import LATE_AFTER, CheckInError, checkin_open, set_attendance
from kopedu.db import local_zone, utcnow
from kopedu.extensions import db
from kopedu.learning.models import Enrollment

# --- self check-in -----------------------------------------------------------------------------
#
# The code shown in the hall rotates: it is derived (HMAC with the app's secret key) from the session,
# its seed (CohortSession.checkin_code, replaced by "Ganti kode") and the current time step
# (CHECKIN_CODE_SECONDS, 60 s by default), and exists only while the session's check-in window is open.
# The code of the step before is accepted too, so a participant who typed it as it changed is not
# refused. A code forwarded to someone outside the hall stops working within two steps.

def _code_seconds() -> int:
    from flask import current_app

    return int(current_app.config.get("CHECKIN_CODE_SECONDS", 60))


def checkin_code_at(session: CohortSession, moment: datetime) -> str:
    """The 6-digit check-in code of the session at that moment (whether or not its window is open)."""
    import hashlib
    import hmac

    from flask import current_app

    step = int(moment.timestamp()) // _code_seconds()
    message = f"checkin|{session.id}|{session.checkin_code}|{step}".encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def current_checkin_code(session: CohortSession, now: datetime | None = None) -> tuple[str, int] | None:
    """(the code to show now, seconds until it changes), or None while the window is closed."""
    now = now or utcnow()
    if not checkin_open(session, now):
        return None
    seconds = _code_seconds()
    return checkin_code_at(session, now), seconds - int(now.timestamp()) % seconds


def _code_matches(session: CohortSession, code: str, now: datetime) -> bool:
    import hmac

    step = timedelta(seconds=_code_seconds())
    return any(hmac.compare_digest(checkin_code_at(session, moment), code) for moment in (now, now - step))


class CheckInLimited(CheckInError):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message, "code")
        self.retry_after = retry_after


def check_in(user: User, code: str, now: datetime | None = None,
             limit: str = "10 per 10 minutes; 20 per day") -> tuple[CohortSession, Attendance]:
    """Self check-in with the code the trainer shows. Valid only inside the session window and only for
    the participant's own cohorts. Present, or late after the first 15 minutes.

    Wrong codes are counted per participant and cohort (`limit`, in the database: a logout, a new
    session or another phone start nothing afresh); while a cohort is over its limit its sessions are
    not matched at all. Every code that is not open now for this participant gets the same answer,
    which says nothing about other days or other cohorts. Flushes (also the count of a wrong code)."""
    from kopedu.auth import throttle

    now = now or utcnow()
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        raise CheckInError(_("Kode terdiri dari 6 angka."), "code")
    cohort_ids = sorted(set(db.session.scalars(select(Enrollment.cohort_id).where(
        Enrollment.user_id == user.id, Enrollment.cohort_id.is_not(None)))))
    keys = {cohort_id: f"checkin:{user.id}:{cohort_id}" for cohort_id in cohort_ids} or {None: f"checkin:{user.id}:-"}
    waits = {cohort_id: throttle.retry_after(key, limit, now) for cohort_id, key in keys.items()}
    allowed = [cohort_id for cohort_id, wait in waits.items() if not wait]
    if not allowed:
        wait = max(waits.values())
        raise CheckInLimited(_("Terlalu banyak kode salah. Coba lagi dalam %(n)d menit.",
                               n=throttle.minutes(wait)), wait)
    today = now.astimezone(local_zone()).date()
    candidates = db.session.execute(
        select(CohortSession, Enrollment)
        .join(Enrollment, Enrollment.cohort_id == CohortSession.cohort_id)
        .where(Enrollment.user_id == user.id, Enrollment.cohort_id.in_([c for c in allowed if c is not None]),
               CohortSession.held_on.between(today - timedelta(days=1), today + timedelta(days=1)))
        .order_by(CohortSession.held_on, CohortSession.starts_at)).all()
    match = next(((s, e) for s, e in candidates if checkin_open(s, now) and _code_matches(s, code, now)), None)
    if match is None:
        for cohort_id in allowed:
            throttle.hit(keys[cohort_id], limit, now)
        db.session.flush()
        raise CheckInError(_("Kode tidak dikenal atau belum dibuka. Periksa lagi angka yang ditunjukkan "
                             "pelatih."), "code")
    session, enrollment = match
    if session.attendance_closed:
        raise CheckInError(_("Presensi sesi ini sudah ditutup oleh pelatih."), "code")
    record = db.session.scalar(select(Attendance).where(
        Attendance.session_id == session.id, Attendance.enrollment_id == enrollment.id))
    if record is not None and record.status in ATTENDED:
        return session, record
    start = datetime.combine(session.held_on, session.starts_at, tzinfo=local_zone())
    status = "late" if now > start + LATE_AFTER else "present"
    return session, set_attendance(session, enrollment, status, actor=user, method="self")
