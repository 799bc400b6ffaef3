"""Participant import: a CSV or XLSX list → a preview that checks every row → one transaction.

Columns (header row, any order, Indonesian or English names; title rows above it are skipped): name,
phone, email (optional), position, kelurahan (BPS code or name), cooperative (optional name; created in
that kelurahan when missing). The file is read once, at upload, within fixed caps (bytes, rows,
columns, characters per cell; an XLSX is read in read-only mode without trusting the sizes it claims)
and kept parsed on its ParticipantImport until it is confirmed.

An import never silently changes a person: the preview lists, per row, the old and new value of every
field that would change, and a change of an existing account's name or email is applied only for the
rows the admin ticked. Staff accounts and accounts outside the cohort's region are refused, and what a
refusal says about an existing account depends on whether the importing user may see that account
(admins see all; a trainer only accounts in their region). Confirming imports the rows that passed and
skips the others (see README); every account is matched by phone, so uploading the same file again
changes nothing. Refusal reasons are kept untranslated (msgid + values) and translated when shown.
"""
import csv
import hashlib
import io
import secrets
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from kopedu.auth.models import POSITIONS, User
from kopedu.auth.services import normalize_email, normalize_phone
from kopedu.cohorts.models import Cohort, ParticipantImport, import_account
from kopedu.cohorts.services import CohortError
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from kopedu.regions.models import Cooperative, Region
from kopedu.web import uploads
from kopedu.web.exports import is_formula_like

MAX_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED = 24 * 1024 * 1024  # an XLSX's parts, uncompressed (the sizes a ZIP declares bind its reader)
MAX_ROWS = 5000
MAX_COLUMNS = 40
MAX_CELL = 300  # characters
MAX_TITLE_ROWS = 10  # rows above the header that are skipped (a title, a date, an empty line)
SHEET_PART = 300  # accounts per password sheet (hashing each password takes a moment)

COLUMNS = {
    "name": ("name", "nama", "nama lengkap", "nama peserta"),
    "phone": ("phone", "hp", "no hp", "nomor hp", "no. hp", "telepon", "no telepon", "nomor telepon",
              "whatsapp", "wa", "no wa", "nomor wa"),
    "email": ("email", "e-mail", "surel"),
    "position": ("position", "jabatan"),
    "kelurahan": ("kelurahan", "desa", "kelurahan/desa", "desa/kelurahan", "kode kelurahan", "village"),
    "cooperative": ("cooperative", "koperasi", "nama koperasi"),
}
REQUIRED = ("name", "phone", "position", "kelurahan")
_POSITIONS = {p.lower(): p for p in POSITIONS}
# An impossible password hash: the account cannot log in until a password is printed for it.
_NO_PASSWORD = "!"


def N_(msgid: str) -> str:  # noqa: N802 - marks a message for extraction; translated when shown
    return msgid


def reason_text(reason) -> str:
    """A stored refusal reason ([msgid, values]) in the current language."""
    if isinstance(reason, str):  # summaries written before reasons were kept untranslated
        return reason
    msgid, values = reason
    return _(msgid, **(values or {}))


class ImportFileError(CohortError):
    """The file as a whole cannot be read (type, size, header)."""


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


# --- reading the file ----------------------------------------------------------------------------

def parse(data: bytes, filename: str = "") -> dict:
    """A CSV or XLSX file (checked by content, not by name) as {"header": [...], "rows": [[line,
    [cells]], ...]}: every column kept, cells as trimmed strings, title rows above the header
    skipped, empty rows left out. Raises ImportFileError."""
    if not data:
        raise ImportFileError(_("Berkas kosong."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Berkas terlalu besar (maksimal 2 MB)."))
    if uploads.sniff(data) not in (None, "xlsx"):  # a PDF, a photo, a Word document
        raise ImportFileError(_("Berkas bukan CSV atau XLSX."))
    limit = MAX_TITLE_ROWS + 1 + MAX_ROWS + 1  # one row more than allowed tells "too many"
    if data[:4] == b"PK\x03\x04":  # also a ZIP that is no workbook: openpyxl says it cannot read it
        table = _read_xlsx(data, limit)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(_("Format .xls lama tidak didukung. Simpan sebagai .xlsx atau .csv."))
    else:
        table = _read_csv(data, limit)
    rows = []
    for line, values in table:
        cells = [_cell(v) for v in values[:MAX_COLUMNS]]
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        if any(len(c) > MAX_CELL for c in cells):
            raise ImportFileError(_("Baris %(n)d: isian lebih dari %(max)d huruf.", n=line, max=MAX_CELL))
        rows.append((line, cells))
    if not rows:
        raise ImportFileError(_("Berkas tidak berisi baris."))
    for index, (_line, cells) in enumerate(rows[:MAX_TITLE_ROWS + 1]):
        if all(c in _map_header(cells).values() for c in REQUIRED):
            header, rows = cells, rows[index + 1:]
            break
    else:
        found = set(_map_header(rows[0][1]).values())
        labels = {"name": _("nama"), "phone": _("HP"), "position": _("jabatan"), "kelurahan": _("kelurahan")}
        raise ImportFileError(_("Kolom wajib tidak ada: %(cols)s. Baris pertama harus judul kolom: "
                                "nama, hp, email, jabatan, kelurahan, koperasi.",
                                cols=", ".join(labels[c] for c in REQUIRED if c not in found)))
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("Paling banyak %(n)d baris per berkas.", n=MAX_ROWS))
    return {"header": header, "rows": [[line, cells] for line, cells in rows]}


def records(table: dict) -> list[dict]:
    """The parsed rows keyed by canonical column (plus "_line" and "_cells", every column)."""
    columns = _map_header(table["header"])
    result = []
    for line, cells in table["rows"]:
        record = {"_line": line, "_cells": cells}
        for index, key in columns.items():
            record[key] = cells[index] if index < len(cells) else ""
        result.append(record)
    return result


def _read_xlsx(data: bytes, limit: int) -> list[tuple[int, tuple]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as error:
        raise ImportFileError(_("Berkas Excel tidak bisa dibaca.")) from error
    if unzipped > MAX_UNZIPPED:
        raise ImportFileError(_("Berkas Excel terlalu besar setelah dibuka."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook
        raise ImportFileError(_("Berkas Excel tidak bisa dibaca.")) from error
    try:
        sheet = workbook.worksheets[0]
        # The <dimension> a file declares is not trusted: openpyxl would pad every row (and add empty
        # rows) up to it. Forget it and read at most `limit` rows of MAX_COLUMNS cells.
        sheet.reset_dimensions()
        return list(enumerate(sheet.iter_rows(max_row=limit, max_col=MAX_COLUMNS, values_only=True), 1))
    except Exception as error:  # noqa: BLE001 - a broken part inside the workbook
        raise ImportFileError(_("Berkas Excel tidak bisa dibaca.")) from error
    finally:
        workbook.close()


def _read_csv(data: bytes, limit: int) -> list[tuple[int, list]]:
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("Berkas bukan CSV atau XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()[:MAX_TITLE_ROWS + 1]
    delimiter = max((",", ";", "\t"), key=lambda d: max((line.count(d) for line in lines), default=0))
    # The separator whose split of a line gives the header wins (a reason column full of commas in a
    # `;` file, e.g. our own refused-rows file, must not outvote it); else the most frequent one.
    for candidate in (";", ",", "\t"):
        if any(all(c in _map_header([_cell(v) for v in cells]).values() for c in REQUIRED)
               for cells in csv.reader(io.StringIO("\n".join(lines)), delimiter=candidate)):
            delimiter = candidate
            break
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    table = []
    try:
        for cells in reader:
            table.append((reader.line_num, cells))
            if len(table) >= limit:
                break
    except csv.Error as error:
        raise ImportFileError(_("Berkas CSV tidak bisa dibaca.")) from error
    return table


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps phone numbers and BPS codes as numbers
    text = " ".join(str(value).split())
    # Our CSV exports write a value a spreadsheet would evaluate (+62…, =…) with a leading apostrophe;
    # read it back as it was typed, so the refused-rows file uploads again unchanged.
    if text.startswith("'") and is_formula_like(text[1:]):
        text = text[1:]
    return text


def _map_header(header: list[str]) -> dict[int, str]:
    aliases = {alias: key for key, names in COLUMNS.items() for alias in names}
    columns = {}
    for index, title in enumerate(header):
        key = aliases.get(title.strip().lower().replace("_", " "))
        if key and key not in columns.values():
            columns[index] = key
    return columns


# --- checking the rows ---------------------------------------------------------------------------

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
    see every account, trainers those of their region and the participants of this cohort."""
    return actor is None or actor.role == "admin" or in_cohort or actor.in_scope(_account_region(user))


def _changeable(actor, user_ids: list[int]) -> set[int]:
    """The accounts (among `user_ids`) whose name, email, position and cooperative the importing
    user may change: all for admins and the command line; for a trainer, the participants of the
    cohorts they train (of any course)."""
    from kopedu.cohorts.models import cohort_trainer

    if actor is None or actor.role == "admin" or not user_ids:
        return set(user_ids)
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


# --- storing, confirming -------------------------------------------------------------------------

def store_upload(cohort: Cohort, data: bytes, filename: str, actor) -> ParticipantImport:
    """Read the uploaded file once and keep its rows, parsed, until the import is confirmed."""
    table = parse(data, filename)  # refuses unreadable files before storing anything
    record = ParticipantImport(cohort_id=cohort.id, uploaded_by_id=getattr(actor, "id", None),
                               filename=Path(filename or "peserta").name[:200],
                               sha256=hashlib.sha256(data).hexdigest(), parsed=table)
    db.session.add(record)
    db.session.flush()
    return record


def load_records(record: ParticipantImport) -> list[dict]:
    if record.parsed is None:
        raise ImportFileError(_("Berkas unggahan sudah tidak ada. Unggah lagi."))
    return records(record.parsed)


def confirm(record: ParticipantImport, actor, ticked=()) -> dict:
    """Re-check the rows and import the good ones: create or update the accounts (matched by phone;
    a name or email change only on the `ticked` lines), create missing cooperatives, enrol everyone
    in the cohort. Flushes; the route commits once, so either every good row is imported or nothing
    is. Refused rows are skipped and kept, with every column of the file, in the summary."""
    if record.confirmed_at is not None:
        raise CohortError(_("Impor ini sudah dikonfirmasi."))
    cohort = record.cohort
    result = preview(cohort, load_records(record), actor, ticked=set(ticked))
    created_coops: dict[tuple[str, str], Cooperative] = {}
    for row in result.good:
        if row.cooperative is None and (row.user is None or "cooperative" in {f for f, _o, _n in row.changes}):
            key = (row.village.code, row.cooperative_name.lower())
            if key not in created_coops:
                created_coops[key] = Cooperative(name=row.cooperative_name, village_code=row.village.code)
                db.session.add(created_coops[key])
            row.cooperative = created_coops[key]
    db.session.flush()

    created: list[User] = []
    for row in result.good:
        user = row.user
        if user is None:
            user = User(full_name=row.name, phone=row.phone, email=row.email, role="participant",
                        position=row.position, cooperative_id=row.cooperative.id, password_hash=_NO_PASSWORD)
            db.session.add(user)
            created.append(user)
            row.user = user
        elif row.action == "update":  # only the fields shown as changing (kept ones stay as they are)
            changed = {f for f, _old, _new in row.changes}
            if "name" in changed:
                user.full_name = row.name
            if "email" in changed:
                user.email = row.email
            if "position" in changed:
                user.position = row.position
            if "cooperative" in changed:
                user.cooperative_id = row.cooperative.id
    db.session.flush()

    user_ids = [r.user.id for r in result.good]
    have = {e.user_id: e for e in db.session.scalars(select(Enrollment).where(
        Enrollment.user_id.in_(user_ids), Enrollment.course_id == cohort.course_id))} if user_ids else {}
    enrolled = 0
    for uid in user_ids:
        enrollment = have.get(uid)
        if enrollment is None:
            db.session.add(Enrollment(user_id=uid, course_id=cohort.course_id, cohort_id=cohort.id))
            enrolled += 1
        elif enrollment.cohort_id is None:
            enrollment.cohort_id = cohort.id
            enrolled += 1
    if created:
        db.session.execute(import_account.insert(), [{"import_id": record.id, "user_id": u.id} for u in created])
    record.confirmed_at = utcnow()
    record.summary = {
        "rows": len(result.rows),
        "created": result.count("create"),
        "updated": result.count("update"),
        "unchanged": result.count("unchanged"),
        "enrolled": enrolled,
        "cooperatives": len(created_coops),
        "header": list(record.parsed["header"]),
        "rejected": rejected_rows(result),
    }
    record.parsed = None  # the personal data is in the database now; the summary keeps the refused rows
    db.session.flush()
    return record.summary


def rejected_rows(result: Preview) -> list[dict]:
    """The rows the preview refused, as plain dicts (kept in the import summary, shown, exported):
    every column of the file and the reasons, untranslated."""
    return [{"line": r.line, "name": r.name, "phone": r.phone_raw, "cells": list(r.cells),
             "errors": [[msgid, values] for msgid, values in r.errors]} for r in result.bad]


def rejected_table(header: list[str], rejected: list[dict]) -> tuple[list[str], list[list]]:
    """The refused rows as a file that can be corrected and uploaded again as it is: the file's own
    header and columns, then the reasons (a column the import ignores)."""
    width = max([len(header)] + [len(r.get("cells", [])) for r in rejected])
    head = list(header) + [""] * (width - len(header)) + [_("alasan")]
    rows = []
    for r in rejected:
        cells = list(r.get("cells") or [r.get("name", ""), r.get("phone", "")])
        rows.append(cells + [""] * (width - len(cells)) + [" ".join(reason_text(e) for e in r["errors"])])
    return head, rows


def discard_stale(cohort: Cohort, keep: ParticipantImport | None = None, hours: int = 24) -> None:
    """Forget unconfirmed uploads of this cohort older than a day (and their rows)."""
    from datetime import timedelta

    limit = utcnow() - timedelta(hours=hours)
    stale = db.session.scalars(select(ParticipantImport).where(
        ParticipantImport.cohort_id == cohort.id, ParticipantImport.confirmed_at.is_(None),
        ParticipantImport.created_at < limit)).all()
    for record in stale:
        if record is not keep:
            discard(record)


def discard(record: ParticipantImport) -> None:
    """Forget an unconfirmed upload. Flushes."""
    db.session.delete(record)
    db.session.flush()


# --- password sheet ------------------------------------------------------------------------------

_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def sheet_parts(record: ParticipantImport) -> int:
    count = db.session.scalar(select(func.count()).select_from(import_account).where(
        import_account.c.import_id == record.id)) or 0
    return (count + SHEET_PART - 1) // SHEET_PART


def issue_passwords(record: ParticipantImport, part: int = 1) -> list[tuple[User, str | None]]:
    """New initial passwords for the accounts this import created (one part of SHEET_PART accounts,
    by name), to print once. Accounts that already logged in keep theirs (None). Printing again
    replaces the passwords of the accounts that have not logged in yet. Flushes."""
    users = list(db.session.scalars(
        select(User).join(import_account, import_account.c.user_id == User.id)
        .where(import_account.c.import_id == record.id)
        .order_by(User.full_name, User.id).offset((part - 1) * SHEET_PART).limit(SHEET_PART)))
    fresh = [u for u in users if u.last_login_at is None and u.active]
    passwords = {u.id: "".join(secrets.choice(_ALPHABET) for _ in range(8)) for u in fresh}
    hash_ = partial(generate_password_hash, method=current_app.config["PASSWORD_HASH_METHOD"])
    with ThreadPoolExecutor(max_workers=4) as pool:  # scrypt releases the GIL
        hashes = list(pool.map(hash_, [passwords[u.id] for u in fresh]))
    for user, hashed in zip(fresh, hashes):
        user.password_hash = hashed
        user.session_token = secrets.token_hex(8)
    db.session.flush()
    return [(u, passwords.get(u.id)) for u in users]
