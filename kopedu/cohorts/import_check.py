"""Participant import, checking the rows: every row of a parsed file against the database (kelurahan,
cooperative, existing account by phone, email), without writing anything. The result lists every row
as new, changed (old → new per field), unchanged or refused, with the fields it will write.

Refusal reasons are kept untranslated (msgid + values) and translated when shown. A phone that belongs
to a staff account or to a participant out of the importing user's reach gets one neutral reason, so
the preview does not tell which numbers have an account elsewhere. A trainer changes only participants
of the cohorts they train; anyone else of the region is enrolled under their present values.
"""
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from kopedu.auth.models import POSITIONS, User
from kopedu.auth.services import normalize_email, normalize_phone
from kopedu.cohorts.models import Cohort
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from kopedu.regions.models import Cooperative, Region

_POSITIONS = {p.lower(): p for p in POSITIONS}


def N_(msgid: str) -> str:  # noqa: N802 - marks a message for extraction; translated when shown
    return msgid


def reason_text(reason) -> str:
    """A stored refusal reason ([msgid, values]) in the current language."""
    if isinstance(reason, str):  # summaries written before reasons were kept untranslated
        return reason
    msgid, values = reason
    return _(msgid, **(values or {}))


@dataclass
class ImportRow:
    line: int
    cells: list = field(default_factory=list)  # every column of the file, as read
    name: str = ""
    phone_raw: str = ""
    email_raw: str = ""
    position_raw: str = ""
    kelurahan_raw: str = ""
    cooperative_raw: str = ""
    phone: str | None = None
    email: str | None = None
    position: str | None = None
    village: Region | None = None
    cooperative_name: str = ""
    cooperative: Cooperative | None = None  # existing; None = to be created
    user: User | None = None  # existing account
    action: str = ""  # create | update | unchanged
    changes: list[tuple[str, str, str]] = field(default_factory=list)  # (field, old, new) of an update
    errors: list[tuple[str, dict]] = field(default_factory=list)  # (msgid, values)
    kept: list[tuple[str, str, str]] = field(default_factory=list)  # changes not applied (unticked, not allowed)
    locked: bool = False  # the importing trainer may enrol this person but not change their account

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def needs_tick(self) -> bool:
        """An update that renames the person or changes their email: applied only when ticked."""
        return self.action == "update" and any(f in TICKED_FIELDS for f, _old, _new in self.changes)

    @property
    def status(self) -> str:
        """new | changed | unchanged | refused: how the preview lists the row."""
        if self.errors:
            return "refused"
        return {"create": "new", "update": "changed"}.get(self.action, "unchanged")

    @property
    def written(self) -> list[tuple[str, str]]:
        """The fields this row writes on the account, as (field, value): every field of a new account,
        the changed ones of an existing account; nothing for a refused or unchanged row."""
        if self.errors or self.action == "unchanged":
            return []
        if self.action == "create":
            village = self.village.display_name if self.village is not None else ""
            return [("name", self.name), ("phone", self.phone or ""), ("email", self.email or ""),
                    ("position", self.position or ""), ("kelurahan", village),
                    ("cooperative", self.cooperative_name)]
        return [(f, new) for f, _old, new in self.changes]

    def keep(self, fields) -> None:
        """Leave these fields of the existing account as they are (their changes are dropped, shown as
        kept); the row still enrols the person."""
        user = self.user
        for change in [c for c in self.changes if c[0] in fields]:
            self.changes.remove(change)
            self.kept.append(change)
        if "name" in fields:
            self.name = user.full_name
        if "email" in fields:
            self.email = user.email
        if "position" in fields:
            self.position = user.position
        if "cooperative" in fields:
            self.cooperative = user.cooperative
            self.cooperative_name = user.cooperative.name if user.cooperative is not None else ""
        self.action = "update" if self.changes else "unchanged"

    @property
    def messages(self) -> list[str]:
        return [reason_text(e) for e in self.errors]

    def refuse(self, msgid: str, **values) -> None:
        self.errors.append((msgid, values))


FIELD_LABELS = {"name": N_("Nama"), "email": N_("Email"), "position": N_("Jabatan"),
                "cooperative": N_("Koperasi"), "cohort": N_("Angkatan"), "phone": N_("HP"),
                "kelurahan": N_("Kelurahan")}
TICKED_FIELDS = ("name", "email")  # changed on an existing account only when the row is ticked
ACCOUNT_FIELDS = ("name", "email", "position", "cooperative")


@dataclass
class Preview:
    rows: list[ImportRow]
    header: list[str] = field(default_factory=list)

    @property
    def bad(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def good(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.errors]

    @property
    def changed(self) -> list[ImportRow]:
        return [r for r in self.good if r.action == "update"]

    def count(self, action: str) -> int:
        return sum(1 for r in self.good if r.action == action)

    @property
    def new_cooperatives(self) -> list[tuple[str, str]]:
        seen = {}
        for r in self.good:
            if r.cooperative is None:
                seen.setdefault((r.village.code, r.cooperative_name.lower()), (r.cooperative_name, r.village.display_name))
        return sorted(seen.values())

def preview(cohort: Cohort, records: list[dict], actor=None, ticked=None) -> Preview:
    """Check every row against the database without writing anything. A bounded number of
    queries, whatever the number of rows. `actor` (None: the command line, which sees everything)
    decides what a refusal may say about existing accounts. With `ticked` (the lines whose name or
    email change was confirmed), an unticked rename is refused; without it the preview only marks it."""
    rows = [ImportRow(line=r["_line"], cells=list(r.get("_cells", [])), name=r.get("name", ""),
                      phone_raw=r.get("phone", ""), email_raw=r.get("email", ""),
                      position_raw=r.get("position", ""), kelurahan_raw=r.get("kelurahan", ""),
                      cooperative_raw=r.get("cooperative", ""))
            for r in records]
    seen_phones: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for row in rows:
        if not row.name:
            row.refuse(N_("Nama kosong."))
        elif len(row.name) > 160:
            row.refuse(N_("Nama terlalu panjang."))
        if not row.phone_raw:
            row.refuse(N_("Nomor HP kosong."))
        else:
            row.phone = normalize_phone(row.phone_raw)
            if row.phone is None:
                row.refuse(N_("Nomor HP tidak dikenali (contoh: 0812-3456-7890)."))
            elif row.phone in seen_phones:
                row.refuse(N_("Nomor HP sama dengan baris %(n)d."), n=seen_phones[row.phone])
            else:
                seen_phones[row.phone] = row.line
        if row.email_raw:
            row.email = normalize_email(row.email_raw)
            if row.email is None:
                row.refuse(N_("Email tidak valid."))
            elif row.email in seen_emails:
                row.refuse(N_("Email sama dengan baris %(n)d."), n=seen_emails[row.email])
            else:
                seen_emails[row.email] = row.line
        if not row.position_raw:
            row.refuse(N_("Jabatan kosong."))
        else:
            row.position = _POSITIONS.get(row.position_raw.lower())
            if row.position is None:
                row.refuse(N_("Jabatan tidak dikenal: %(value)s (pilih: %(choices)s)."),
                           value=row.position_raw, choices=", ".join(POSITIONS))
    _resolve_villages(cohort, rows)
    _resolve_cooperatives(rows)
    _match_accounts(cohort, rows, actor)
    if ticked is not None:
        for row in rows:  # an unticked rename: the person is enrolled under the account's present values
            if row.needs_tick and row.line not in ticked:
                row.keep(TICKED_FIELDS)
    return Preview(rows)


def _resolve_villages(cohort: Cohort, rows: list[ImportRow]) -> None:
    codes = {r.kelurahan_raw.replace(".", "") for r in rows if r.kelurahan_raw.replace(".", "").isdigit()}
    names = {r.kelurahan_raw.upper() for r in rows if r.kelurahan_raw and not r.kelurahan_raw.replace(".", "").isdigit()}
    by_code = {v.code: v for v in db.session.scalars(select(Region).where(
        Region.code.in_(codes), Region.level == "kelurahan_desa"))} if codes else {}
    by_name: dict[str, list[Region]] = {}
    if names:
        for village in db.session.scalars(select(Region).where(
                func.upper(Region.name).in_(names), Region.level == "kelurahan_desa").order_by(Region.code)):
            by_name.setdefault(village.name.upper(), []).append(village)
    scope = cohort.region_code
    for row in rows:
        raw = row.kelurahan_raw
        if not raw:
            row.refuse(N_("Kelurahan kosong."))
            continue
        code = raw.replace(".", "")
        if code.isdigit():
            village = by_code.get(code)
            if village is None:
                row.refuse(N_("Kode kelurahan tidak dikenal: %(value)s."), value=raw)
                continue
        else:
            matches = by_name.get(raw.upper(), [])
            if len(matches) > 1 and scope:
                matches = [v for v in matches if v.code.startswith(scope)]
            if not matches:
                row.refuse(N_("Kelurahan tidak dikenal: %(value)s."), value=raw)
                continue
            if len(matches) > 1:
                row.refuse(N_("Nama kelurahan %(value)s ada di beberapa wilayah; tulis kode BPS-nya."), value=raw)
                continue
            village = matches[0]
        if scope and not village.code.startswith(scope):
            row.refuse(N_("Kelurahan %(value)s di luar wilayah angkatan."), value=village.display_name)
            continue
        row.village = village


def _resolve_cooperatives(rows: list[ImportRow]) -> None:
    villages = {r.village.code for r in rows if r.village is not None}
    existing: dict[str, list[Cooperative]] = {}
    if villages:
        for coop in db.session.scalars(select(Cooperative).where(Cooperative.village_code.in_(villages))):
            existing.setdefault(coop.village_code, []).append(coop)
    for row in rows:
        if row.village is None:
            continue
        here = existing.get(row.village.code, [])
        name = row.cooperative_raw
        if not name:
            if len(here) == 1:
                row.cooperative, row.cooperative_name = here[0], here[0].name
                continue
            name = Cooperative.default_name(row.village)
        if len(name) > 200:
            row.refuse(N_("Nama koperasi terlalu panjang."))
            continue
        row.cooperative_name = name
        row.cooperative = next((c for c in here if c.name.lower() == name.lower()), None)


def _account_region(user: User) -> str | None:
    return user.cooperative.village_code if user.cooperative is not None else user.region_code


def _visible(actor, user: User, in_cohort: bool = False) -> bool:
    """May the importing user see this account (and so learn from a refusal that it exists)? Admins
    see the accounts of their region (national admins every account), trainers those of their region
    and the participants of this cohort."""
    return actor is None or actor.is_national or in_cohort or actor.in_scope(_account_region(user))


def _changeable(actor, user_ids: list[int]) -> set[int]:
    """The accounts (among `user_ids`) whose name, email, position and cooperative the importing
    user may change: all for national admins and the command line; for a region admin, the accounts
    of their region; for a trainer, the participants of the cohorts they train (of any course)."""
    from kopedu.cohorts.models import cohort_trainer
    from kopedu.web.access import visible_accounts

    if actor is None or actor.is_national or not user_ids:
        return set(user_ids)
    if actor.role == "admin":
        return set(db.session.scalars(select(User.id).where(User.id.in_(user_ids), visible_accounts(actor))))
    return set(db.session.scalars(
        select(Enrollment.user_id).join(cohort_trainer, cohort_trainer.c.cohort_id == Enrollment.cohort_id)
        .where(cohort_trainer.c.user_id == actor.id, Enrollment.user_id.in_(user_ids))))


# Said to whoever may not see the account that makes a row impossible: no hint that it exists.
_NOT_USABLE_PHONE = N_("Nomor HP ini tidak bisa diimpor ke angkatan ini; minta admin memeriksanya.")
_NOT_USABLE_EMAIL = N_("Email ini tidak bisa dipakai; kosongkan atau minta admin memeriksanya.")


def _match_accounts(cohort: Cohort, rows: list[ImportRow], actor) -> None:
    phones = [r.phone for r in rows if r.phone]
    emails = [r.email for r in rows if r.email]
    by_phone = {u.phone: u for u in db.session.scalars(select(User).where(User.phone.in_(phones)))} if phones else {}
    by_email = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    user_ids = [u.id for u in by_phone.values()]
    enrolled = dict(db.session.execute(select(Enrollment.user_id, Enrollment.cohort_id).where(
        Enrollment.user_id.in_(user_ids), Enrollment.course_id == cohort.course_id)).all()) if user_ids else {}
    changeable = _changeable(actor, user_ids)
    scope = cohort.region_code
    for row in rows:
        user = by_phone.get(row.phone) if row.phone else None
        if user is not None:
            visible = _visible(actor, user, in_cohort=enrolled.get(user.id) == cohort.id)
            region = _account_region(user)
            # A staff account and a participant out of reach get the same neutral reason, whoever
            # imports: the preview never tells which numbers have an account elsewhere.
            if user.role != "participant" or not visible or (scope and not (region or "").startswith(scope)):
                row.refuse(_NOT_USABLE_PHONE if actor is not None else
                           N_("Nomor HP ini sudah dipakai akun staf atau peserta di luar wilayah angkatan."))
                continue
        owner = by_email.get(row.email) if row.email else None
        if owner is not None and owner is not user:
            row.refuse(_NOT_USABLE_EMAIL if actor is not None else N_("Email ini sudah dipakai akun lain."))
        if user is not None and user.id in enrolled and enrolled[user.id] not in (None, cohort.id):
            row.refuse(N_("Peserta sudah terdaftar di angkatan lain untuk kursus ini."))
        if row.errors:
            continue
        row.user = user
        if user is None:
            row.action = "create"
            continue
        row.email = row.email or user.email  # an empty email cell keeps the account's email
        changes = [("name", user.full_name, row.name), ("email", user.email or "", row.email or ""),
                   ("position", user.position or "", row.position)]
        old_coop = user.cooperative.name if user.cooperative is not None else ""
        if row.cooperative is None or row.cooperative.id != user.cooperative_id:
            changes.append(("cooperative", old_coop, row.cooperative_name))
        if enrolled.get(user.id) != cohort.id:
            changes.append(("cohort", "", cohort.name))
        row.changes = [(f, old, new) for f, old, new in changes if old != new]
        row.action = "update" if row.changes else "unchanged"
        if user.id not in changeable:  # a trainer enrols them but leaves the account as it is
            row.locked = True
            row.keep(ACCOUNT_FIELDS)
