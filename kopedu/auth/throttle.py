"""Counted attempts kept in the database: the login and self check-in limits.

They are shared by every worker and every host of the app without Redis (the database is the one store
all of them see), and they survive a restart. Each limit is a list of fixed windows written as
Flask-Limiter writes them ("10 per 15 minutes; 30 per day", parsed by the `limits` library it is built
on); a key is over its limit while one of its current windows holds `amount` attempts. Day windows
start at local midnight (KOPEDU_TIMEZONE). Services here flush; the route commits, also when it answers
with an error, so a refused attempt is counted.
"""
import math
import random
from datetime import datetime, timedelta, timezone

from limits import parse_many
from sqlalchemy import Integer, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from kopedu.db import TZDateTime, insert, local_zone, utcnow
from kopedu.extensions import db

KEY_LENGTH = 200


class AttemptCounter(db.Model):
    """How many attempts one key made in one window of one limit."""

    __tablename__ = "attempt_counter"

    key: Mapped[str] = mapped_column(String(KEY_LENGTH), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)  # window number since the epoch
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)


def _windows(key: str, spec: str, now: datetime):
    """(counter key, window number, window end, allowed amount) for each limit of spec."""
    offset = int(now.astimezone(local_zone()).utcoffset().total_seconds())
    epoch = int(now.timestamp()) + offset
    for item in parse_many(spec):
        seconds = item.get_expiry()
        number = epoch // seconds
        end = datetime.fromtimestamp((number + 1) * seconds - offset, timezone.utc)
        yield f"{key[:KEY_LENGTH - 24]}|{item.amount}/{seconds}", number, end, item.amount


def retry_after(key: str, spec: str, now: datetime | None = None) -> int | None:
    """Seconds until `key` may try again, or None while it is within every limit of spec."""
    now = now or utcnow()
    windows = list(_windows(key, spec, now))
    counts = dict(db.session.execute(
        select(AttemptCounter.key, AttemptCounter.count).where(
            AttemptCounter.key.in_([w[0] for w in windows]),
            AttemptCounter.window.in_({w[1] for w in windows}))).all())
    waits = [(end - now).total_seconds() for counter, number, end, amount in windows
             if counts.get(counter, 0) >= amount]
    return max(1, math.ceil(max(waits))) if waits else None


def hit(key: str, spec: str, now: datetime | None = None) -> None:
    """Count one attempt of `key` in each window of spec (one atomic upsert each). Flushes."""
    now = now or utcnow()
    for counter, number, end, _amount in _windows(key, spec, now):
        stmt = insert(AttemptCounter).values(key=counter, window=number, count=1, expires_at=end)
        db.session.execute(stmt.on_conflict_do_update(
            index_elements=["key", "window"], set_={"count": AttemptCounter.count + 1}))
    if random.random() < 0.02:  # now and then, forget the windows that ended (of every key)
        db.session.execute(delete(AttemptCounter).where(AttemptCounter.expires_at < now - timedelta(minutes=1)))


def clear(key: str, spec: str) -> None:
    """Forget the attempts of `key` (e.g. after a successful login). Flushes."""
    counters = [w[0] for w in _windows(key, spec, utcnow())]
    db.session.execute(delete(AttemptCounter).where(AttemptCounter.key.in_(counters)))


def minutes(seconds: int) -> int:
    """Whole minutes to tell a person (at least 1)."""
    return max(1, math.ceil(seconds / 60))
