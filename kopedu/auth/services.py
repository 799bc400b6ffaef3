"""Accounts: phone normalisation, authentication and user management."""
import re
import secrets
from typing import NamedTuple

from sqlalchemy import func, or_, select

from kopedu.auth import throttle
from kopedu.auth.models import POSITIONS, ROLES, User, hash_password
from kopedu.extensions import db
from kopedu.web.access import region_allowed, visible_accounts

# A fixed hash compared when the account does not exist, so both paths take the same time.
_DUMMY_HASH = None


class AccountError(ValueError):
    """A user-facing validation error; `field` names the form field it belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalize_phone(raw: str | None) -> str | None:
    """Indonesian mobile numbers in any common writing → 62xxxxxxxxxx, or None if not a phone.

    0812-3456-7890, +62 812 3456 7890, 6281234567890 and 812 3456 7890 are the same number.
    """
    if not raw:
        return None
    digits = re.sub(r"[\s\-().]", "", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isdigit():
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    elif digits.startswith("8"):
        digits = "62" + digits
    if not digits.startswith("628") or not 10 <= len(digits) <= 15:
        return None
    return digits


def normalize_email(raw: str | None) -> str | None:
    if not raw or "@" not in raw:
        return None
    email = raw.strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        return None
    return email


def find_by_login(identifier: str) -> User | None:
    """The account a login name (phone or email) refers to."""
    identifier = (identifier or "").strip()
    if "@" in identifier:
        email = normalize_email(identifier)
        return db.session.scalar(select(User).where(User.email == email)) if email else None
    phone = normalize_phone(identifier)
    return db.session.scalar(select(User).where(User.phone == phone)) if phone else None


def _dummy_hash() -> str:
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hash_password(secrets.token_hex(8))
    return _DUMMY_HASH


def authenticate(identifier: str, password: str) -> User | None:
    """The active user with these credentials, or None. Unknown, inactive, without a password (an
    imported account before its sheet is printed) and wrong all look the same and cost the same: one
    hash check each."""
    user = find_by_login(identifier)
    usable = user is not None and user.active and "$" in (user.password_hash or "")
    if usable:
        return user if user.check_password(password or "") else None
    from werkzeug.security import check_password_hash

    check_password_hash(_dummy_hash(), password or "")
    return None


class LoginResult(NamedTuple):
    user: User | None  # logged in
    locked_for: int | None = None  # seconds this account stays locked
    address_wait: int | None = None  # seconds the address stays over its (looser) limit


def login_key(identifier: str) -> str:
    """What the per-account limit counts on: the login as typed, normalised (an unknown phone or email
    is counted and locked the same way as an existing one, so a lock tells nothing about accounts)."""
    identifier = (identifier or "").strip()
    normal = normalize_email(identifier) if "@" in identifier else normalize_phone(identifier)
    return normal or identifier.lower()[:100]


def login_attempt(identifier: str, password: str, address: str, *, account_limit: str,
                  address_limit: str) -> LoginResult:
    """One login attempt under the limits: refused without checking the password while the account is
    locked; else the password decides. A wrong one counts against the account and the address. The
    address limit only answers "too many": a correct password is never refused because of it. Flushes."""
    account = f"login:{login_key(identifier)}"
    locked = throttle.retry_after(account, account_limit)
    if locked:
        return LoginResult(None, locked_for=locked)
    user = authenticate(identifier, password)
    if user is not None:
        throttle.clear(account, account_limit)
        return LoginResult(user)
    throttle.hit(account, account_limit)
    throttle.hit(f"login-address:{address}", address_limit)
    return LoginResult(None, locked_for=throttle.retry_after(account, account_limit),
                       address_wait=throttle.retry_after(f"login-address:{address}", address_limit))


MIN_PASSWORD = 8


def check_new_password(password: str) -> None:
    from flask_babel import gettext as _

    if len(password or "") < MIN_PASSWORD:
        raise AccountError(_("Kata sandi minimal %(n)d karakter.", n=MIN_PASSWORD), "password")


def save_user(user: User | None, *, full_name: str, phone: str | None, email: str | None,
              role: str, position: str | None = None, cooperative_id: int | None = None,
              region_code: str | None = None, organisation: str | None = None,
              password: str | None = None, active: bool = True, actor: User | None = None) -> User:
    """Create (user=None) or update an account after validating it. Flushes, does not commit.

    With `actor` (the admin doing it), the account must end up inside the actor's region: a region
    admin cannot create or move an account outside it, nor give a wider region or a national role."""
    from flask_babel import gettext as _

    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise AccountError(_("Nama wajib diisi."), "full_name")
    norm_phone = normalize_phone(phone) if phone else None
    if phone and not norm_phone:
        raise AccountError(_("Nomor HP tidak dikenali. Contoh: 0812-3456-7890."), "phone")
    norm_email = normalize_email(email) if email else None
    if email and not norm_email:
        raise AccountError(_("Alamat email tidak valid."), "email")
    if not norm_phone and not norm_email:
        raise AccountError(_("Isi nomor HP atau email."), "phone")
    if role not in ROLES:
        raise AccountError(_("Peran tidak dikenal."), "role")
    if position and position not in POSITIONS:
        raise AccountError(_("Jabatan tidak dikenal."), "position")
    if role in ("observer",) and not region_code:
        raise AccountError(_("Pemantau harus punya wilayah."), "region")

    if actor is not None and not region_allowed(actor, _account_region(cooperative_id, region_code)):
        field = "cooperative_id" if cooperative_id else "region"
        raise AccountError(_("Akun harus berada di wilayah Anda (%(region)s).", region=actor.region_code), field)

    clash = db.session.scalar(select(User).where(
        or_(User.phone == norm_phone if norm_phone else False,
            User.email == norm_email if norm_email else False),
        User.id != (user.id if user and user.id else -1)))
    if clash is not None:
        field = "phone" if norm_phone and clash.phone == norm_phone else "email"
        raise AccountError(_("Nomor HP atau email ini sudah dipakai akun lain."), field)

    if user is None:
        if not password:
            raise AccountError(_("Kata sandi wajib diisi."), "password")
        user = User(password_hash="")
        db.session.add(user)
    if password:
        check_new_password(password)
        user.set_password(password)
    user.full_name = full_name
    user.phone = norm_phone
    user.email = norm_email
    user.role = role
    user.position = position or None
    user.cooperative_id = cooperative_id
    user.region_code = region_code or None
    user.organisation = organisation or None
    user.active = active
    db.session.flush()
    return user


def _account_region(cooperative_id: int | None, region_code: str | None) -> str | None:
    """Where an account belongs: the village of its cooperative, else its own region (None: national)."""
    if cooperative_id:
        from kopedu.regions.models import Cooperative

        cooperative = db.session.get(Cooperative, cooperative_id)
        if cooperative is not None:
            return cooperative.village_code
    return region_code or None


def change_password(user: User, current: str, new: str) -> None:
    from flask_babel import gettext as _

    if not user.check_password(current or ""):
        raise AccountError(_("Kata sandi lama salah."), "current_password")
    check_new_password(new)
    user.set_password(new)


def reset_password(user: User) -> str:
    """Give the user a new random password (shown once to the admin to hand over)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    password = "".join(secrets.choice(alphabet) for _ in range(10))
    user.set_password(password)
    return password


PICK_LIMIT = 20  # a picker offers at most this many accounts; the search box finds the others


class Pick(NamedTuple):
    id: int
    full_name: str
    organisation: str | None


def name_or_phone(q: str):
    """SQL: the account's normalised phone is `q`, or its name contains it (case-insensitive)."""
    phone = normalize_phone(q)
    if phone:
        return User.phone == phone
    return func.lower(User.full_name).contains(q.strip().lower(), autoescape=True)


def trainer_picks(viewer: User | None, q: str = "", ids=None, exclude=None, limit: int | None = None) -> list[Pick]:
    """Active trainers `viewer` may put on a course or a cohort (None: any), by name, as plain rows:
    those among `ids` (a bounded list: what a form sent), or else up to `limit` matching `q` (a name
    or a phone number), leaving out `exclude` (a subquery or list of ids already chosen)."""
    stmt = (select(User.id, User.full_name, User.organisation)
            .where(User.role == "trainer", User.active.is_(True)).order_by(User.full_name, User.id))
    if viewer is not None:
        stmt = stmt.where(visible_accounts(viewer))
    if ids is not None:
        ids = list(dict.fromkeys(int(i) for i in ids))[:PICK_LIMIT * 5]
        return [Pick(*row) for row in db.session.execute(stmt.where(User.id.in_(ids)))] if ids else []
    if q.strip():
        stmt = stmt.where(name_or_phone(q))
    if exclude is not None:
        stmt = stmt.where(User.id.not_in(exclude))
    return [Pick(*row) for row in db.session.execute(stmt.limit(limit or PICK_LIMIT))]


def search_users(q: str = "", role: str | None = None, after: int | None = None, before: int | None = None,
                 per_page: int = 25, viewer: User | None = None):
    """A keyset page of accounts, newest first (the primary key: the same cost on every page); with
    `viewer`, only the accounts of the viewer's region. A query that is a phone number matches that
    normalised number exactly (its unique index); otherwise names and e-mail addresses containing it
    (a trigram index on PostgreSQL, a scan on SQLite)."""
    from kopedu.web.keyset import keyset_page

    stmt = select(User)
    if viewer is not None:
        stmt = stmt.where(visible_accounts(viewer))
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        text = q.strip().lower()
        phone = normalize_phone(q)
        if phone:
            stmt = stmt.where(User.phone == phone)
        else:
            # contains(autoescape=True): a "%" or "_" typed in the box is matched as itself, not as a wildcard.
            stmt = stmt.where(or_(func.lower(User.full_name).contains(text, autoescape=True),
                                  func.lower(User.email).contains(text, autoescape=True)))
    return keyset_page(stmt, User.id, after, before, size=per_page)
