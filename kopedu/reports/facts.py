"""Keep monitor_enrollment in step with the rows it summarises.

What changes a fact: an enrolment (created, progress, activity, completion), a quiz attempt (best
pre/post score), a user's cooperative or role, a cooperative's village, a certificate (issued or
revoked). Each flush notes the affected enrolments (note_flush), and so do the progress_changed and
submission_graded events (on_enrollment_changed); just before the transaction commits their facts are
recomputed from the live tables with one upsert (before_commit: INSERT … SELECT … ON CONFLICT DO
UPDATE), so concurrent refreshes of the same enrolment cannot collide. kopedu.events calls these hooks,
in the order its docstring states. Bulk SQL that bypasses the ORM (the scale seed) calls rebuild().
"""
from sqlalchemy import and_, case, delete, exists, func, inspect, select, true

from kopedu.auth.models import User
from kopedu.certificates.models import Certificate
from kopedu.courses.models import Quiz
from kopedu.db import insert
from kopedu.extensions import db
from kopedu.learning.models import Enrollment, QuizAttempt
from kopedu.regions.models import Cooperative
from kopedu.reports.models import MonitorEnrollment

_KEY = "monitor_dirty"


def _source(where, bulk: bool = False):
    """The fact rows, computed from the live tables, for the enrolments matching `where`.

    For a few enrolments the best scores and the certificate come from correlated subqueries
    (index lookups); for all of them (bulk) from one grouped join each, which is much faster."""
    if bulk:
        scores = (select(QuizAttempt.user_id, Quiz.course_id,
                         func.max(case((Quiz.role == "pretest", QuizAttempt.score))).label("pre"),
                         func.max(case((Quiz.role == "posttest", QuizAttempt.score))).label("post"))
                  .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
                  .where(Quiz.role.in_(("pretest", "posttest")), QuizAttempt.submitted_at.is_not(None))
                  .group_by(QuizAttempt.user_id, Quiz.course_id).subquery())
        pretest, posttest = scores.c.pre, scores.c.post
        live = (select(Certificate.enrollment_id).where(Certificate.revoked_at.is_(None))
                .group_by(Certificate.enrollment_id).subquery())
        certified = live.c.enrollment_id.is_not(None)
    else:
        def best(role):
            return (select(func.max(QuizAttempt.score)).join(Quiz, Quiz.id == QuizAttempt.quiz_id)
                    .where(Quiz.course_id == Enrollment.course_id, Quiz.role == role,
                           QuizAttempt.user_id == Enrollment.user_id, QuizAttempt.submitted_at.is_not(None))
                    .scalar_subquery())

        pretest, posttest = best("pretest"), best("posttest")
        certified = exists().where(Certificate.enrollment_id == Enrollment.id, Certificate.revoked_at.is_(None))
    code = Cooperative.village_code
    columns = {
        "enrollment_id": Enrollment.id,
        "user_id": Enrollment.user_id,
        "course_id": Enrollment.course_id,
        "cohort_id": Enrollment.cohort_id,
        "cooperative_id": Cooperative.id,
        "province_code": func.substr(code, 1, 2),
        "regency_code": func.substr(code, 1, 4),
        "district_code": func.substr(code, 1, 7),
        "village_code": code,
        "progress_pct": Enrollment.progress_pct,
        "enrolled_at": Enrollment.enrolled_at,
        "last_activity_at": Enrollment.last_activity_at,
        "activity_at": func.coalesce(Enrollment.last_activity_at, Enrollment.enrolled_at),
        "completed_at": Enrollment.completed_at,
        "pretest": pretest,
        "posttest": posttest,
        "certified": certified,
    }
    stmt = (select(*[c.label(name) for name, c in columns.items()])
            .select_from(Enrollment)
            .join(User, User.id == Enrollment.user_id)
            .join(Cooperative, Cooperative.id == User.cooperative_id))
    if bulk:
        stmt = (stmt.outerjoin(scores, and_(scores.c.user_id == Enrollment.user_id,
                                            scores.c.course_id == Enrollment.course_id))
                .outerjoin(live, live.c.enrollment_id == Enrollment.id))
    return list(columns), stmt.where(User.role == "participant", where)


def _upsert(names, stmt):
    table = MonitorEnrollment.__table__
    statement = insert(table).from_select(names, stmt)
    return statement.on_conflict_do_update(
        index_elements=[table.c.enrollment_id],
        set_={name: statement.excluded[name] for name in names if name != "enrollment_id"})


def refresh(enrollment_ids) -> None:
    """Recompute the facts of these enrolments (and drop those no longer counted). Two statements."""
    ids = sorted(set(enrollment_ids))
    for start in range(0, len(ids), 5000):
        chunk = ids[start:start + 5000]
        names, stmt = _source(Enrollment.id.in_(chunk))
        db.session.execute(_upsert(names, stmt))
        table = MonitorEnrollment.__table__
        still = select(Enrollment.id).join(User, User.id == Enrollment.user_id).where(
            Enrollment.id == table.c.enrollment_id, User.role == "participant", User.cooperative_id.is_not(None))
        db.session.execute(delete(table).where(table.c.enrollment_id.in_(chunk), ~exists(still)))


def rebuild() -> int:
    """Recompute every fact (after bulk SQL, or as a periodic safety net). Returns the row count."""
    table = MonitorEnrollment.__table__
    db.session.execute(delete(table))
    names, stmt = _source(true(), bulk=True)
    db.session.execute(table.insert().from_select(names, stmt))
    return db.session.scalar(select(func.count()).select_from(table)) or 0


# --- marking what changed ------------------------------------------------------------------------

def _pending(session) -> dict:
    return session.info.setdefault(_KEY, {"enrollments": set(), "users": set(), "cooperatives": set()})


def mark_enrollment(enrollment_id, session=None) -> None:
    if enrollment_id is not None:
        _pending(session or db.session())["enrollments"].add(enrollment_id)


def _changed(obj, *attrs) -> bool:
    state = inspect(obj)
    return any(state.attrs[a].history.has_changes() for a in attrs)


def note_flush(session) -> None:
    pending = None
    # Deleted rows count too: a deleted attempt or certificate changes the scores or `certified`.
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        if isinstance(obj, Enrollment):
            pending = pending or _pending(session)
            pending["enrollments"].add(obj.id)
        elif isinstance(obj, QuizAttempt):
            pending = pending or _pending(session)
            pending["users"].add(obj.user_id)
        elif isinstance(obj, User) and obj in session.dirty and _changed(obj, "cooperative_id", "role"):
            pending = pending or _pending(session)
            pending["users"].add(obj.id)
        elif isinstance(obj, Cooperative) and obj in session.dirty and _changed(obj, "village_code"):
            pending = pending or _pending(session)
            pending["cooperatives"].add(obj.id)
        elif isinstance(obj, Certificate):
            pending = pending or _pending(session)
            pending["enrollments"].add(obj.enrollment_id)


def flush_pending(session=None) -> None:
    """Refresh the facts marked so far in this transaction (also done automatically before commit)."""
    session = session or db.session()
    for _ in range(3):
        session.flush()
        pending = session.info.pop(_KEY, None)
        if not pending or not any(pending.values()):
            return
        ids = set(pending["enrollments"])
        if pending["users"]:
            ids.update(session.scalars(select(Enrollment.id).where(Enrollment.user_id.in_(pending["users"]))))
        if pending["cooperatives"]:
            ids.update(session.scalars(select(Enrollment.id).join(User, User.id == Enrollment.user_id)
                                       .where(User.cooperative_id.in_(pending["cooperatives"]))))
        ids.discard(None)
        if ids:
            refresh(ids)


def before_commit(session) -> None:
    if session.info.get(_KEY) is not None or session.new or session.dirty:
        flush_pending(session)


def forget(session) -> None:
    session.info.pop(_KEY, None)


def on_enrollment_changed(enrollment, **_details) -> None:
    """Events progress_changed / submission_graded: the enrolment's fact is refreshed before the commit."""
    mark_enrollment(getattr(enrollment, "id", None))
