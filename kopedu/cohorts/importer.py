"""Participant import: a CSV or XLSX list → a preview that checks every row → one transaction.

Split by responsibility: import_file reads the file, import_check checks the rows; this module stores
the upload, confirms it (the one writing step), keeps the refused rows and prints the passwords.

Columns (header row, any order, Indonesian or English names; title rows above it are skipped): name,
phone, email (optional), position, kelurahan (BPS code or name), cooperative (optional name; created in
that kelurahan when missing). The file is read once, at upload, within fixed caps (bytes, rows,
columns, characters per cell; an XLSX is read in read-only mode without trusting the sizes it claims)
and kept parsed on its ParticipantImport until it is confirmed.

An import never silently changes a person: the preview lists every row (new, changed with old → new,
unchanged, refused) with the fields it writes, and a change of an existing account's name or email is
applied only for the rows ticked (an unticked row still enrols the person under their present name and
email). Staff accounts and accounts out of reach are refused with one neutral reason; a trainer changes
only participants of the cohorts they train. Confirming imports the rows that passed and skips the
others (see README); every account is matched by phone, so uploading the same file again changes
nothing. The refused-rows file uploads again as it is.
"""
import hashlib
import secrets
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from kopedu.auth.models import User
from kopedu.cohorts.import_check import (  # noqa: F401 - the import's API, used by routes and commands
    FIELD_LABELS,
    ImportRow,
    Preview,
    preview,
    reason_text,
)
from kopedu.cohorts.import_file import (  # noqa: F401
    MAX_BYTES,
    MAX_CELL,
    MAX_COLUMNS,
    MAX_ROWS,
    MAX_TITLE_ROWS,
    MAX_UNZIPPED,
    ImportFileError,
    parse,
    records,
)
from kopedu.cohorts.models import Cohort, ParticipantImport, import_account
from kopedu.cohorts.services import CohortError
from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.learning.models import Enrollment
from kopedu.regions.models import Cooperative

SHEET_PART = 300  # accounts per password sheet (hashing each password takes a moment)
# An impossible password hash: the account cannot log in until a password is printed for it.
_NO_PASSWORD = "!"


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
