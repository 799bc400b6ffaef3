"""Access decorators and the region scope: the one place that says who sees which region.

Scope is a region prefix (BPS codes nest: 53 → 5371 → 5371030 → 5371030011). Observers, trainers and
admins carry a region code; an admin without one is national. Every list, export and file of personal
data is filtered in its query by one of the clauses below, never after loading:

- `in_region(column, user)`: a region-code column of any level (a cohort's, an account's) lies in the
  user's region; `village_in_region` the same for 10-digit village codes, as an index-friendly range;
- `visible_accounts(user)`: the accounts an admin may see and manage (participants by the village of
  their cooperative, staff by their own region; a regionless account only for national admins);
- `visible_enrollments(user)`: the enrolments whose participant a staff user may see: national admins
  all; a region admin those whose participant lives in the region or whose cohort the region runs; a
  trainer with a region those of the cohorts they train, plus — in the courses they teach — the
  participants who live in their region; a trainer without a region (national, like an admin without
  one) every participant of the courses they teach, and those of the cohorts they train. Observers see
  aggregates through the monitoring tables, not enrolments;
  `visible_enrollment_ids` is the same rule as a UNION of ids, for a count that keeps few enrolments,
  and `visible_enrollment_rows` the same rule checked per row of a query that joins the participant,
  for an ordered page (PostgreSQL plans each form well for one of the two and badly for the other);
- `visible_cohorts(user)`: the cohorts a staff user may pick in a filter (the same rule, for cohorts).

Object checks use the same rule: `sees_region`, `sees_account`, `sees_enrollment` (User.in_scope calls
`sees_region`); `require_scope` and `require_national` abort with 403.

`region_allowed(user, code)` says whether a user may give a region (to an account or a cohort): a
national admin any region or none, everyone else only their own region or a region inside it.

The clauses name other features' tables through the shared metadata (by table name), so this module
keeps to its layer.
"""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import and_, false, or_, select, true, union

from kopedu.extensions import db


def roles_required(*roles: str):
    """Logged in and with one of `roles`; otherwise 401/login or 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_scope(region_code: str | None) -> None:
    """Abort with 403 unless the current user may see `region_code` (national admins see all)."""
    if not current_user.is_authenticated or not current_user.in_scope(region_code):
        abort(403)


def require_national() -> None:
    """Abort with 403 unless the current user is a national admin (an admin without a region)."""
    if not is_national(current_user):
        abort(403)


# --------------------------------------------------------------------------- the rule


def is_national(user) -> bool:
    """An admin without a region: sees and manages the whole country."""
    return bool(getattr(user, "is_authenticated", False)) and user.role == "admin" and not user.region_code


def sees_whole_courses(user) -> bool:
    """National staff: an admin without a region, or a trainer without one (for the courses they teach)."""
    return bool(getattr(user, "is_authenticated", False)) and user.role in ("admin", "trainer") \
        and not user.region_code


def sees_region(user, code: str | None) -> bool:
    """Whether `user` may see what lies in region `code` (None: a national object, for national admins)."""
    if is_national(user):
        return True
    prefix = getattr(user, "region_code", None)
    return bool(prefix and code and code.startswith(prefix))


def region_allowed(user, code: str | None) -> bool:
    """Whether `user` may give region `code` (None = national) to an account or a cohort: never a wider
    region than their own."""
    return sees_region(user, code)


def in_region(column, user):
    """SQL: `column` (a BPS region code of any level) lies in the user's region."""
    if is_national(user):
        return true()
    prefix = getattr(user, "region_code", None)
    if not prefix:
        return false()
    return column.startswith(prefix, autoescape=True)


def village_in_region(column, user):
    """SQL: `column` (a 10-digit village code) lies in the user's region, as an index-friendly range
    (a LIKE prefix needs a C collation or a pattern index on PostgreSQL; a range of digits does not)."""
    if is_national(user):
        return true()
    prefix = getattr(user, "region_code", None)
    if not prefix:
        return false()
    return column.between(prefix.ljust(10, "0"), prefix.ljust(10, "9"))


def _tables():
    return db.metadata.tables


def _lives_in_region(user_id_column, user):
    """SQL: the participant `user_id_column` names lives in the user's region (by the village of the
    cooperative, else by their own region code). A subquery, never a list of ids."""
    t = _tables()
    account, coop = t["user"], t["cooperative"]
    by_village = select(account.c.id).join(coop, coop.c.id == account.c.cooperative_id).where(
        village_in_region(coop.c.village_code, user))
    by_region = select(account.c.id).where(account.c.cooperative_id.is_(None), in_region(account.c.region_code, user))
    return or_(user_id_column.in_(by_village), user_id_column.in_(by_region))


def visible_accounts(user):
    """SQL over the `user` table: the accounts `user` may see in lists and manage."""
    if is_national(user):
        return true()
    if not getattr(user, "region_code", None):
        return false()
    t = _tables()
    account, coop = t["user"], t["cooperative"]
    villages = select(coop.c.id).where(village_in_region(coop.c.village_code, user))
    return or_(account.c.cooperative_id.in_(villages),
               and_(account.c.cooperative_id.is_(None), in_region(account.c.region_code, user)))


def _enrollment_rule(user, enrollment, lives_here):
    """The enrolment rule over `enrollment` (anything with cohort_id and course_id columns);
    `lives_here()` gives the clause "the participant lives in the user's region" in the query's form."""
    if is_national(user):
        return true()
    if not getattr(user, "is_authenticated", False):
        return false()
    t = _tables()
    if user.role == "admin":
        cohort = t["cohort"]
        regional_cohorts = select(cohort.c.id).where(in_region(cohort.c.region_code, user))
        return or_(enrollment.cohort_id.in_(regional_cohorts), lives_here())
    if user.role == "trainer":
        cohort_trainer, course_trainer = t["cohort_trainer"], t["course_trainer"]
        trained = select(cohort_trainer.c.cohort_id).where(cohort_trainer.c.user_id == user.id)
        taught = select(course_trainer.c.course_id).where(course_trainer.c.user_id == user.id)
        if not user.region_code:  # a national trainer: the whole of the courses they teach
            return or_(enrollment.cohort_id.in_(trained), enrollment.course_id.in_(taught))
        return or_(enrollment.cohort_id.in_(trained), and_(enrollment.course_id.in_(taught), lives_here()))
    return false()


def visible_enrollments(user):
    """SQL over the `enrollment` table: the enrolments whose participant `user` may see."""
    enrollment = _tables()["enrollment"].c
    return _enrollment_rule(user, enrollment, lambda: _lives_in_region(enrollment.user_id, user))


def visible_enrollment_rows(user, enrollment, participant, coop):
    """The rule of `visible_enrollments` for a query that already joins each enrolment's participant
    (`participant`, the `user` row of `enrollment.user_id`) and outer-joins their cooperative (`coop`):
    checked row by row, for an ordered page that stops after a few rows (the grading queue's page)."""
    return _enrollment_rule(user, enrollment, lambda: or_(
        village_in_region(coop.village_code, user),
        and_(participant.cooperative_id.is_(None), in_region(participant.region_code, user))))


def visible_enrollment_ids(user):
    """The ids of `visible_enrollments`, as a UNION subquery that starts from the user's cohorts and
    from the cooperatives of their region (index range scans), for a query that keeps few of the
    enrolments of the country (the waiting submissions of one trainer): `column.in_(this)`. The OR
    form walks every enrolment first. National staff get their whole courses, as there."""
    t = _tables()
    enrollment, account, coop = t["enrollment"], t["user"], t["cooperative"]
    if is_national(user):
        return select(enrollment.c.id)
    if not getattr(user, "is_authenticated", False) or user.role not in ("admin", "trainer"):
        return select(enrollment.c.id).where(false())
    if user.role == "trainer":
        cohort_trainer, course_trainer = t["cohort_trainer"], t["course_trainer"]
        mine = select(enrollment.c.id).where(enrollment.c.cohort_id.in_(
            select(cohort_trainer.c.cohort_id).where(cohort_trainer.c.user_id == user.id)))
        taught = enrollment.c.course_id.in_(
            select(course_trainer.c.course_id).where(course_trainer.c.user_id == user.id))
        if not user.region_code:
            return select(enrollment.c.id).where(visible_enrollments(user))
    else:
        cohort = t["cohort"]
        mine = select(enrollment.c.id).where(enrollment.c.cohort_id.in_(
            select(cohort.c.id).where(in_region(cohort.c.region_code, user))))
        taught = true()
    by_village = (select(enrollment.c.id).join(account, account.c.id == enrollment.c.user_id)
                  .join(coop, coop.c.id == account.c.cooperative_id)
                  .where(village_in_region(coop.c.village_code, user), taught))
    by_region = (select(enrollment.c.id).join(account, account.c.id == enrollment.c.user_id)
                 .where(account.c.cooperative_id.is_(None), in_region(account.c.region_code, user), taught))
    return union(mine, by_village, by_region)


def sees_enrollment(user, enrollment_id: int | None) -> bool:
    """Whether `user` may see the participant of one enrolment (one small query; national admins none)."""
    if enrollment_id is None:
        return is_national(user)
    if is_national(user):
        return True
    enrollment = _tables()["enrollment"]
    return db.session.scalar(select(enrollment.c.id).where(
        enrollment.c.id == enrollment_id, visible_enrollments(user))) is not None


def sees_account(user, account_id: int) -> bool:
    """Whether `user` may see and manage one account (one small query)."""
    if is_national(user):
        return True
    account = _tables()["user"]
    return db.session.scalar(select(account.c.id).where(account.c.id == account_id,
                                                        visible_accounts(user))) is not None


def visible_cohorts(user):
    """SQL over the `cohort` table: the cohorts `user` may pick in filters and see participants of:
    national admins all; region admins those of their region; trainers those they train and those of
    their region (a trainer without a region: also every cohort of the courses they teach)."""
    if is_national(user):
        return true()
    if not getattr(user, "is_authenticated", False):
        return false()
    cohort = _tables()["cohort"]
    regional = in_region(cohort.c.region_code, user)
    if user.role == "trainer":
        cohort_trainer = _tables()["cohort_trainer"]
        trained = select(cohort_trainer.c.cohort_id).where(cohort_trainer.c.user_id == user.id)
        if not user.region_code:
            course_trainer = _tables()["course_trainer"]
            taught = select(course_trainer.c.course_id).where(course_trainer.c.user_id == user.id)
            return or_(cohort.c.id.in_(trained), cohort.c.course_id.in_(taught))
        return or_(cohort.c.id.in_(trained), regional)
    return regional if user.role == "admin" else false()
