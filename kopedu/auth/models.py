"""User accounts."""
from datetime import datetime

from flask import current_app, has_app_context
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from kopedu.db import TimestampMixin, TZDateTime
from kopedu.extensions import db

ROLES = ("participant", "trainer", "admin", "observer")
POSITIONS = ("Ketua", "Wakil Ketua", "Sekretaris", "Bendahara", "Pengawas", "Manajer", "Anggota")


def hash_password(password: str) -> str:
    """werkzeug's password hash with the configured PASSWORD_HASH_METHOD: scrypt, except in the test
    configuration, which uses a fast one (a check costs ~0.15 s of CPU with scrypt)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method=method)


class User(UserMixin, TimestampMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(String(160))
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # normalised: 628…
    email: Mapped[str | None] = mapped_column(String(254), unique=True)  # lower case
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="participant", index=True)
    position: Mapped[str | None] = mapped_column(String(40))
    organisation: Mapped[str | None] = mapped_column(String(200))  # e.g. the Dinas, for staff
    cooperative_id: Mapped[int | None] = mapped_column(ForeignKey("cooperative.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"), index=True)
    locale: Mapped[str | None] = mapped_column(String(5))
    active: Mapped[bool] = mapped_column(default=True)
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: _token())
    last_login_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    cooperative = relationship("Cooperative", lazy="joined")
    region = relationship("Region", lazy="joined", foreign_keys=[region_code])

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    # Flask-Login: the id in the session carries the session token, checked on every request (in the
    # query that loads the user). The token changes at logout and when the password changes, which ends
    # every session of this user.
    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active

    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """A new session token: every session (every device) logged in with the old one is logged out."""
        self.session_token = _token()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_national(self) -> bool:
        """An admin without a region: manages the whole country."""
        return self.role == "admin" and not self.region_code

    def in_scope(self, region_code: str | None) -> bool:
        """National admins see every region; region admins, observers and trainers only their own (BPS
        codes nest by prefix). The rule and its SQL forms live in kopedu.web.access."""
        from kopedu.web.access import sees_region

        return sees_region(self, region_code)

    @property
    def village(self):
        return self.cooperative.village if self.cooperative else None


def _token() -> str:
    import secrets

    return secrets.token_hex(8)
