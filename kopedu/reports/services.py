"""Monitoring figures: aggregate SQL over monitor_enrollment (one row per participant enrolment).

A table is one GROUP BY query: by the child region's code column (province → regency → district →
village) or by cooperative, and by progress bucket for the histogram. Time-dependent figures
(active in the last 7 days, falling behind) are computed at query time from the timestamps, so
they never go stale. No loop over participants in Python.
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import Integer, and_, case, func, literal, literal_column, or_, select, tuple_
from sqlalchemy.orm import aliased

from kopedu.auth.models import User
from kopedu.cohorts.services import attendance_pcts
from kopedu.courses.models import Course
from kopedu.db import local_zone, utcnow
from kopedu.extensions import db
from kopedu.regions.models import Cooperative, Region, title_case
from kopedu.reports.facts import flush_pending
from kopedu.reports.models import MonitorEnrollment as F

ACTIVE_DAYS = 7
BEHIND_DAYS = 14
DEFAULT_THRESHOLD = 25  # percent progress under which a participant counts as falling behind
BUCKETS = 11  # progress 0–9, 10–19, … 90–99, 100
EXPORT_LIMIT = 100_000
# The column holding the code of the level below a region code of this length.
CHILD_COLUMN = {0: F.province_code, 2: F.regency_code, 4: F.district_code, 7: F.village_code}


@dataclass
class Filters:
    course_id: int | None = None
    threshold: int = DEFAULT_THRESHOLD
    course_ids: tuple[int, ...] | None = None  # only these courses (those the viewer may see); None: all
    now: datetime = field(default_factory=utcnow)

    @property
    def active_since(self) -> datetime:
        return self.now - timedelta(days=ACTIVE_DAYS)

    @property
    def behind_since(self) -> datetime:
        return self.now - timedelta(days=BEHIND_DAYS)


@dataclass
class Stats:
    """The figures of one row of a monitoring table."""

    key: str | int | None = None
    name: str = ""
    enrolled: int = 0
    active: int = 0
    progress_sum: int = 0
    completed: int = 0
    certificates: int = 0
    gain_sum: float = 0.0
    gain_n: int = 0
    behind: int = 0
    hist: list[int] = field(default_factory=lambda: [0] * BUCKETS)

    @property
    def avg_progress(self) -> float | None:
        return self.progress_sum / self.enrolled if self.enrolled else None

    @property
    def avg_gain(self) -> float | None:
        return self.gain_sum / self.gain_n if self.gain_n else None

    def add(self, other: "Stats") -> None:
        self.enrolled += other.enrolled
        self.active += other.active
        self.progress_sum += other.progress_sum
        self.completed += other.completed
        self.certificates += other.certificates
        self.gain_sum += other.gain_sum
        self.gain_n += other.gain_n
        self.behind += other.behind
        self.hist = [a + b for a, b in zip(self.hist, other.hist)]


@dataclass
class Scope:
    """What a table covers: a region (by code prefix; None = the whole country), one cooperative or
    one participant."""

    region_code: str | None = None
    cooperative_id: int | None = None
    user_id: int | None = None


def code_range(code: str) -> tuple[str, str]:
    """Village codes under a region code, as an index-friendly range (village codes have 10 digits)."""
    return code.ljust(10, "0"), code.ljust(10, "9")


def _where(stmt, scope: Scope, filters: Filters):
    if scope.user_id is not None:
        stmt = stmt.where(F.user_id == scope.user_id)
    if scope.cooperative_id is not None:
        stmt = stmt.where(F.cooperative_id == scope.cooperative_id)
    if scope.region_code:
        low, high = code_range(scope.region_code)
        stmt = stmt.where(F.village_code.between(low, high))
    if filters.course_id:
        stmt = stmt.where(F.course_id == filters.course_id)
    if filters.course_ids is not None:
        stmt = stmt.where(F.course_id.in_(filters.course_ids))
    return stmt


def _behind(filters: Filters):
    """Falling behind: not completed, no certificate (a certificate issued by hand is done too), and
    inactive for BEHIND_DAYS or under the progress threshold."""
    return and_(F.completed_at.is_(None), F.certified.is_(False),
                or_(F.activity_at < filters.behind_since, F.progress_pct < filters.threshold))


def _flag(condition):
    return func.sum(case((condition, 1), else_=0))


def _aggregate(scope: Scope, filters: Filters, child=None) -> dict:
    """{child key: Stats} in one query; child=None gives a single row keyed "all"."""
    flush_pending()
    # Written literally: PostgreSQL does not treat two bound parameters as the same GROUP BY expression.
    bucket = case((F.progress_pct >= literal_column("100"), literal_column(str(BUCKETS - 1))),
                  else_=F.progress_pct // literal_column("10", Integer))
    gain = case((and_(F.pretest.is_not(None), F.posttest.is_not(None)), F.posttest - F.pretest))
    key = child if child is not None else literal_column("'all'")
    stmt = select(key.label("child"), bucket.label("bucket"), func.count(),
                  _flag(F.last_activity_at >= filters.active_since), func.sum(F.progress_pct),
                  func.count(F.completed_at), _flag(F.certified.is_(True)), func.sum(gain), func.count(gain),
                  _flag(_behind(filters)))
    stmt = _where(stmt, scope, filters).group_by(*([child] if child is not None else []), bucket)
    result: dict = {}
    for key_, bucket_, n, active, progress, completed, certs, gain_sum, gain_n, behind in db.session.execute(stmt):
        stats = result.setdefault(key_, Stats(key=key_))
        part = Stats(key=key_, enrolled=n, active=active or 0, progress_sum=progress or 0,
                     completed=completed or 0, certificates=certs or 0,
                     gain_sum=float(gain_sum or 0), gain_n=gain_n or 0, behind=behind or 0)
        part.hist[max(0, min(BUCKETS - 1, int(bucket_)))] = n
        stats.add(part)
    return result


def _total(parts) -> Stats:
    total = Stats(key=None)
    for part in parts:
        total.add(part)
    return total


def region_table(region: Region | None, filters: Filters) -> tuple[list[Stats], Stats]:
    """The rows for the child regions of `region` (None = the provinces), or for the cooperatives of a
    kelurahan; every child is listed, also those without participants. One aggregate query and one
    query for the children's names."""
    code = region.code if region else None
    if code is not None and len(code) == 10:
        children = [(c.id, c.name) for c in db.session.scalars(
            select(Cooperative).where(Cooperative.village_code == code).order_by(Cooperative.name))]
        figures = _aggregate(Scope(region_code=code), filters, child=F.cooperative_id)
    else:
        stmt = select(Region.code, Region.name).order_by(Region.code)
        stmt = stmt.where(Region.parent_code == code) if code else stmt.where(Region.level == "provinsi")
        children = [(c, title_case(n)) for c, n in db.session.execute(stmt)]
        figures = _aggregate(Scope(region_code=code), filters, child=CHILD_COLUMN[len(code) if code else 0])
    rows = []
    for key, name in children:
        stats = figures.get(key) or Stats(key=key)
        stats.name = name
        rows.append(stats)
    return rows, _total(figures.values())


def scope_stats(scope: Scope, filters: Filters) -> Stats:
    """The totals (and histogram) of one cooperative, participant or region."""
    return _total(_aggregate(scope, filters).values())


@dataclass
class ParticipantRow:
    enrollment_id: int
    user_id: int
    full_name: str
    phone: str | None
    position: str | None
    cooperative: str
    village_code: str
    course: str
    cohort_id: int | None
    progress: int
    last_activity_at: datetime | None
    completed_at: datetime | None
    pre: float | None
    post: float | None
    certified: bool
    behind: bool
    attendance: float | None = None

    @property
    def gain(self) -> float | None:
        return self.post - self.pre if self.pre is not None and self.post is not None else None


def participant_rows(scope: Scope, filters: Filters, behind_only: bool = False, limit: int = 500,
                     offset: int = 0, after: int | None = None, before: int | None = None) -> list[ParticipantRow]:
    """One row per enrolment in scope (a cooperative, a participant, or the falling-behind list of a
    region), with attendance; at most `limit` rows. Two queries (plus two for attendance).

    The falling-behind list pages by keyset on (activity_at, enrollment_id), its index: `after` (the
    next page: rows following that enrolment) or `before` (the previous page), instead of an offset."""
    flush_pending()
    behind = _behind(filters)
    key = tuple_(F.activity_at, F.enrollment_id)
    anchor = after if after is not None else before
    if behind_only and anchor is not None:
        mark = aliased(F)
        mark_key = tuple_(select(mark.activity_at).where(mark.enrollment_id == anchor).scalar_subquery(),
                          literal(anchor))
    stmt = (select(F, User.full_name, User.phone, User.position, Cooperative.name, Course.title,
                   case((behind, 1), else_=0))
            .join(User, User.id == F.user_id).join(Cooperative, Cooperative.id == F.cooperative_id)
            .join(Course, Course.id == F.course_id))
    stmt = _where(stmt, scope, filters)
    if behind_only and anchor is not None and after is None:  # the previous page: read backwards, then turn
        stmt = stmt.where(behind, key < mark_key).order_by(F.activity_at.desc(), F.enrollment_id.desc())
    elif behind_only:
        stmt = stmt.where(behind).order_by(F.activity_at, F.enrollment_id)
        if after is not None:
            stmt = stmt.where(key > mark_key)
    else:
        stmt = stmt.order_by(User.full_name, F.enrollment_id)
    rows = [ParticipantRow(
        enrollment_id=f.enrollment_id, user_id=f.user_id, full_name=name, phone=phone, position=position,
        cooperative=coop, village_code=f.village_code, course=course, cohort_id=f.cohort_id,
        progress=f.progress_pct, last_activity_at=f.last_activity_at, completed_at=f.completed_at,
        pre=f.pretest, post=f.posttest, certified=f.certified, behind=bool(is_behind))
        for f, name, phone, position, coop, course, is_behind in db.session.execute(stmt.limit(limit).offset(offset))]
    if behind_only and anchor is not None and after is None:
        rows.reverse()
    _attach_attendance(rows)
    return rows


def behind_count(scope: Scope, filters: Filters, cap: int) -> int:
    """How many are falling behind in the scope, counted up to `cap` (an index range that stops there)."""
    flush_pending()
    stmt = _where(select(F.enrollment_id).where(_behind(filters)), scope, filters).limit(cap)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0


def iter_behind_rows(scope: Scope, filters: Filters, chunk: int = 1000):
    """Every falling-behind row of the scope, read `chunk` at a time by keyset (for a streamed export)."""
    after = None
    while True:
        rows = participant_rows(scope, filters, behind_only=True, limit=chunk, after=after)
        yield from rows
        if len(rows) < chunk:
            return
        after = rows[-1].enrollment_id


def _attach_attendance(rows: list[ParticipantRow]) -> None:
    if not rows:
        return
    pcts = attendance_pcts([SimpleNamespace(id=r.enrollment_id, cohort_id=r.cohort_id) for r in rows])
    for row in rows:
        row.attendance = pcts.get(row.enrollment_id)


def completions_by_week(scope: Scope, filters: Filters, weeks: int = 12) -> list[tuple[date, int]]:
    """Completed enrolments per week (weeks start on Monday, local time) for the last `weeks` weeks:
    one query returning at most 7·weeks day counts."""
    flush_pending()
    zone = local_zone()
    today = filters.now.astimezone(zone).date()
    first = today - timedelta(days=today.weekday()) - timedelta(weeks=weeks - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    if db.session.get_bind().dialect.name == "postgresql":
        day = func.date(func.timezone(literal_column(f"'{zone.key}'"), F.completed_at))
    else:  # SQLite keeps UTC text; Indonesian zones have no daylight saving, so a fixed offset is exact
        offset = int(filters.now.astimezone(zone).utcoffset().total_seconds() // 60)
        day = func.date(F.completed_at, literal_column(f"'{offset:+d} minutes'"))
    stmt = _where(select(day, func.count()).where(F.completed_at >= start), scope, filters).group_by(day)
    counts = [0] * weeks
    for value, n in db.session.execute(stmt):
        value = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
        index = (value - first).days // 7
        if 0 <= index < weeks:
            counts[index] += n
    return [(first + timedelta(weeks=i), counts[i]) for i in range(weeks)]


def find_region(code: str) -> Region | None:
    return db.session.get(Region, code) if code and code.isdigit() and len(code) <= 10 else None
