"""Participant import: a CSV or XLSX list → a preview that checks every row → one transaction.

Columns (header row, any order, Indonesian or English names): name, phone, email (optional),
position, kelurahan (BPS code or name), cooperative (optional name; created in that kelurahan when
missing). Confirming imports the rows that passed and skips the rows the preview rejected (see
README); every account is matched by phone, so uploading the same file again changes nothing.
"""
import csv
import hashlib
import io
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from kopedu import storage
from kopedu.auth.models import POSITIONS, User
from kopedu.auth.services import normalize_email, normalize_phone
from kopedu.cohorts.models import Cohort, ParticipantImport, import_account
from kopedu.cohorts.services import CohortError
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from kopedu.regions.models import Cooperative, Region
from kopedu.web import uploads

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
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


class ImportFileError(CohortError):
    """The file as a whole cannot be read (type, size, header)."""


@dataclass
class ImportRow:
    line: int
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
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class Preview:
    rows: list[ImportRow]

    @property
    def bad(self) -> list[ImportRow]:
        return [r for r in self.rows if r.errors]

    @property
    def good(self) -> list[ImportRow]:
        return [r for r in self.rows if not r.errors]

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

def read_table(data: bytes, filename: str = "") -> list[dict]:
    """The rows of a CSV or XLSX file as dicts keyed by canonical column (plus "_line"), checked by
    content, not by name. Raises ImportFileError."""
    if not data:
        raise ImportFileError(_("Berkas kosong."))
    if len(data) > MAX_BYTES:
        raise ImportFileError(_("Berkas terlalu besar (maksimal 2 MB)."))
    if uploads.sniff(data) not in (None, "xlsx"):  # a PDF, a photo, a Word document
        raise ImportFileError(_("Berkas bukan CSV atau XLSX."))
    if data[:4] == b"PK\x03\x04":  # also a ZIP that is no workbook: openpyxl says it cannot read it
        table = _read_xlsx(data)
    elif data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(_("Format .xls lama tidak didukung. Simpan sebagai .xlsx atau .csv."))
    else:
        table = _read_csv(data)
    table = [(line, [_cell(v) for v in cells]) for line, cells in table]
    table = [(line, cells) for line, cells in table if any(cells)]
    if not table:
        raise ImportFileError(_("Berkas tidak berisi baris."))
    header_line, header = table[0]
    columns = _map_header(header)
    missing = [c for c in REQUIRED if c not in columns.values()]
    if missing:
        labels = {"name": _("nama"), "phone": _("HP"), "position": _("jabatan"), "kelurahan": _("kelurahan")}
        raise ImportFileError(_("Kolom wajib tidak ada: %(cols)s. Baris pertama harus judul kolom: "
                                "nama, hp, email, jabatan, kelurahan, koperasi.",
                                cols=", ".join(labels[c] for c in missing)))
    rows = table[1:]
    if len(rows) > MAX_ROWS:
        raise ImportFileError(_("Paling banyak %(n)d baris per berkas.", n=MAX_ROWS))
    result = []
    for line, cells in rows:
        record = {"_line": line}
        for index, key in columns.items():
            record[key] = cells[index] if index < len(cells) else ""
        result.append(record)
    return result


def _read_xlsx(data: bytes) -> list[tuple[int, list]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - any unreadable workbook
        raise ImportFileError(_("Berkas Excel tidak bisa dibaca.")) from error
    try:
        sheet = workbook.worksheets[0]
        return [(i, list(values)) for i, values in enumerate(sheet.iter_rows(values_only=True), 1)
                if i <= MAX_ROWS + 50]
    finally:
        workbook.close()


def _read_csv(data: bytes) -> list[tuple[int, list]]:
    if b"\x00" in data[:4096]:
        raise ImportFileError(_("Berkas bukan CSV atau XLSX."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, cells) for cells in reader]
    except csv.Error as error:
        raise ImportFileError(_("Berkas CSV tidak bisa dibaca.")) from error


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps phone numbers and BPS codes as numbers
    return " ".join(str(value).split())


def _map_header(header: list[str]) -> dict[int, str]:
    aliases = {alias: key for key, names in COLUMNS.items() for alias in names}
    columns = {}
    for index, title in enumerate(header):
        key = aliases.get(title.strip().lower().replace("_", " "))
        if key and key not in columns.values():
            columns[index] = key
    return columns


# --- checking the rows ---------------------------------------------------------------------------

def preview(cohort: Cohort, records: list[dict]) -> Preview:
    """Check every row against the database without writing anything. A bounded number of
    queries, whatever the number of rows."""
    rows = [ImportRow(line=r["_line"], name=r.get("name", ""), phone_raw=r.get("phone", ""),
                      email_raw=r.get("email", ""), position_raw=r.get("position", ""),
                      kelurahan_raw=r.get("kelurahan", ""), cooperative_raw=r.get("cooperative", ""))
            for r in records]
    seen_phones: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    for row in rows:
        if not row.name:
            row.errors.append(_("Nama kosong."))
        if not row.phone_raw:
            row.errors.append(_("Nomor HP kosong."))
        else:
            row.phone = normalize_phone(row.phone_raw)
            if row.phone is None:
                row.errors.append(_("Nomor HP tidak dikenali (contoh: 0812-3456-7890)."))
            elif row.phone in seen_phones:
                row.errors.append(_("Nomor HP sama dengan baris %(n)d.", n=seen_phones[row.phone]))
            else:
                seen_phones[row.phone] = row.line
        if row.email_raw:
            row.email = normalize_email(row.email_raw)
            if row.email is None:
                row.errors.append(_("Email tidak valid."))
            elif row.email in seen_emails:
                row.errors.append(_("Email sama dengan baris %(n)d.", n=seen_emails[row.email]))
            else:
                seen_emails[row.email] = row.line
        if not row.position_raw:
            row.errors.append(_("Jabatan kosong."))
        else:
            row.position = _POSITIONS.get(row.position_raw.lower())
            if row.position is None:
                row.errors.append(_("Jabatan tidak dikenal: %(value)s (pilih: %(choices)s).",
                                    value=row.position_raw, choices=", ".join(POSITIONS)))
    _resolve_villages(cohort, rows)
    _resolve_cooperatives(rows)
    _match_accounts(cohort, rows)
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
            row.errors.append(_("Kelurahan kosong."))
            continue
        code = raw.replace(".", "")
        if code.isdigit():
            village = by_code.get(code)
            if village is None:
                row.errors.append(_("Kode kelurahan tidak dikenal: %(value)s.", value=raw))
                continue
        else:
            matches = by_name.get(raw.upper(), [])
            if len(matches) > 1 and scope:
                matches = [v for v in matches if v.code.startswith(scope)]
            if not matches:
                row.errors.append(_("Kelurahan tidak dikenal: %(value)s.", value=raw))
                continue
            if len(matches) > 1:
                row.errors.append(_("Nama kelurahan %(value)s ada di beberapa wilayah; tulis kode BPS-nya.",
                                    value=raw))
                continue
            village = matches[0]
        if scope and not village.code.startswith(scope):
            row.errors.append(_("Kelurahan %(value)s di luar wilayah angkatan.", value=village.display_name))
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
            row.errors.append(_("Nama koperasi terlalu panjang."))
            continue
        row.cooperative_name = name
        row.cooperative = next((c for c in here if c.name.lower() == name.lower()), None)


def _match_accounts(cohort: Cohort, rows: list[ImportRow]) -> None:
    phones = [r.phone for r in rows if r.phone]
    emails = [r.email for r in rows if r.email]
    by_phone = {u.phone: u for u in db.session.scalars(select(User).where(User.phone.in_(phones)))} if phones else {}
    by_email = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))} if emails else {}
    user_ids = [u.id for u in by_phone.values()]
    enrolled = dict(db.session.execute(select(Enrollment.user_id, Enrollment.cohort_id).where(
        Enrollment.user_id.in_(user_ids), Enrollment.course_id == cohort.course_id)).all()) if user_ids else {}
    for row in rows:
        user = by_phone.get(row.phone) if row.phone else None
        if user is not None and user.role != "participant":
            row.errors.append(_("Nomor HP ini sudah dipakai akun yang bukan peserta."))
            continue
        owner = by_email.get(row.email) if row.email else None
        if owner is not None and owner is not user:
            row.errors.append(_("Email ini sudah dipakai akun lain."))
        if user is not None and user.id in enrolled and enrolled[user.id] not in (None, cohort.id):
            row.errors.append(_("Peserta sudah terdaftar di angkatan lain untuk kursus ini."))
        if row.errors:
            continue
        row.user = user
        if user is None:
            row.action = "create"
        elif (user.full_name == row.name and user.email == row.email and user.position == row.position
              and row.cooperative is not None and user.cooperative_id == row.cooperative.id
              and enrolled.get(user.id) == cohort.id):
            row.action = "unchanged"
        else:
            row.action = "update"


# --- storing, confirming -------------------------------------------------------------------------

def _upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"]) / "imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def store_upload(cohort: Cohort, data: bytes, filename: str, actor) -> ParticipantImport:
    """Keep the uploaded file (under a random name, outside static/) until it is confirmed."""
    read_table(data, filename)  # refuse unreadable files before storing anything
    record = ParticipantImport(cohort_id=cohort.id, uploaded_by_id=getattr(actor, "id", None),
                               filename=Path(filename or "peserta").name[:200],
                               stored_name=secrets.token_hex(16), sha256=hashlib.sha256(data).hexdigest())
    storage.write_file(_upload_dir() / record.stored_name, data)  # removed unless the upload commits
    db.session.add(record)
    db.session.flush()
    return record


def load_records(record: ParticipantImport) -> list[dict]:
    path = _upload_dir() / record.stored_name
    if not path.is_file():
        raise ImportFileError(_("Berkas unggahan sudah tidak ada. Unggah lagi."))
    return read_table(path.read_bytes(), record.filename)


def confirm(record: ParticipantImport, actor) -> dict:
    """Re-check the file and import its good rows: create or update the accounts (matched by phone),
    create missing cooperatives, enrol everyone in the cohort. Flushes; the route commits once, so
    either every good row is imported or nothing is. Rows with errors are skipped and listed."""
    if record.confirmed_at is not None:
        raise CohortError(_("Impor ini sudah dikonfirmasi."))
    cohort = record.cohort
    result = preview(cohort, load_records(record))
    created_coops: dict[tuple[str, str], Cooperative] = {}
    for row in result.good:
        if row.cooperative is None:
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
        elif row.action == "update":
            user.full_name, user.email, user.position = row.name, row.email, row.position
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
        "rejected": rejected_rows(result),
    }
    db.session.flush()
    path = _upload_dir() / record.stored_name
    path.unlink(missing_ok=True)  # the personal data is in the database now; the summary stays
    return record.summary


def rejected_rows(result: Preview) -> list[dict]:
    """The rows the preview refused, as plain dicts (kept in the import summary, shown, exported)."""
    return [{"line": r.line, "name": r.name, "phone": r.phone_raw, "kelurahan": r.kelurahan_raw,
             "errors": list(r.errors)} for r in result.bad]


def discard_stale(cohort: Cohort, keep: ParticipantImport | None = None, hours: int = 24) -> None:
    """Forget unconfirmed uploads of this cohort older than a day (and their files)."""
    from datetime import timedelta

    limit = utcnow() - timedelta(hours=hours)
    stale = db.session.scalars(select(ParticipantImport).where(
        ParticipantImport.cohort_id == cohort.id, ParticipantImport.confirmed_at.is_(None),
        ParticipantImport.created_at < limit)).all()
    for record in stale:
        if record is not keep:
            discard(record)


def discard(record: ParticipantImport) -> None:
    """Forget an unconfirmed upload and its file. Flushes."""
    (_upload_dir() / record.stored_name).unlink(missing_ok=True)
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
