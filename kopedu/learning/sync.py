"""Writes queued on a phone and replayed when the link returns: applied once, the newest choice wins.

The phone (static/js/kopedu.js, any htmx form or field inside an element marked `data-queue`) sends
each queued write with two extra form fields:

- `client_id`: an id made on the phone for this write (8–64 of A–Z a–z 0–9 _ -);
- `chosen_at`: when the person chose it on the phone, in milliseconds since 1970 (JavaScript's
  Date.now()). A time ahead of the server's clock counts as the server's now;
- `for_user`: the id of the user the page was served for: a write of another user than the one logged
  in is refused (OtherUser, 409) and stays on the phone for its owner.

A route that accepts such a write calls, before applying it, in the transaction that applies it:

    verdict = sync.apply_once(current_user.id, request.form.get("client_id"), "answer",
                              target=f"answer:{attempt.id}:{question_id}",
                              chosen_at=request.form.get("chosen_at"), owner=request.form.get("for_user"))
    if verdict:            # Verdict.APPLY: the first arrival of the newest choice for that target
        ...apply the write...
    # Verdict.REPLAY (this client id was applied before) and Verdict.SUPERSEDED (a choice made later
    # for the same target was applied already): apply nothing, answer as a success

and answers with `sync.annotate(response, verdict)` so the phone can say "a newer choice stands".

- `target` names what the write changes, per user: "answer:<attempt>:<question>", "plan:<plan>:<field>".
  One row is kept per (user, target): the newest choice applied. Without a target every write with a
  fresh client id is applied (a lesson completion, which is idempotent anyway).
- A write refused by the route's own rules rolls back, its row with it (or the route calls `forget`
  when it commits other work), so its replay is refused again.
- The errors (BadClientId, OtherUser, TooManyWrites) are LearningErrors: answer with their `status`,
  `message` and `headers`.
- More than `CLIENT_WRITES_PER_MINUTE` (config, default 120) writes recorded for one user in a minute
  raise TooManyWrites (429, with Retry-After): the phone keeps the write and sends it later, so a real
  write is never lost; a flood adds no rows.
- `prune` (the `flask kopedu prune-client-writes` command, nightly) deletes rows older than
  CLIENT_WRITE_RETENTION_DAYS (default 30). A write chosen before that horizon and arriving after it
  is applied (the server keeps nothing to compare it with).

Without a client id a write is an ordinary one (the page without JavaScript): always applied.
"""
import enum
import re
from datetime import datetime, timedelta, timezone

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, func, or_, select

from kopedu.db import insert, utcnow
from kopedu.extensions import db
from kopedu.learning.models import ClientWrite
from kopedu.learning.services import LearningError

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
_TARGET = 120  # characters
RESPONSE_HEADER = "KopEdu-Write"


class Verdict(str, enum.Enum):
    """What to do with a write that arrived: only APPLY is true."""

    APPLY = "applied"
    REPLAY = "replay"
    SUPERSEDED = "superseded"

    def __bool__(self) -> bool:
        return self is Verdict.APPLY


class BadClientId(LearningError):
    status = 400
    default = _l("Permintaan tidak dapat diproses.")


class TooManyWrites(LearningError):
    status = 429
    default = _l("Terlalu banyak simpanan dalam satu menit. Simpanan ini tetap di HP dan dikirim lagi sebentar lagi.")
    retry_after = 60
    headers = {"Retry-After": "60"}


class OtherUser(LearningError):
    """The write was made for another account than the one logged in now (a shared phone): refused
    without a trace; the phone keeps it for its owner (KopEdu-Write: other-user)."""
    status = 409
    default = _l("Catatan ini dibuat untuk akun lain di HP ini. Catatan tetap di HP sampai pemiliknya masuk lagi.")
    headers = {RESPONSE_HEADER: "other-user"}


def client_id(value: str | None) -> str | None:
    """The client id sent with a write (None when the write carries none); BadClientId when malformed."""
    if value is None or value == "":
        return None
    if not _CLIENT_ID.match(value):
        raise BadClientId()
    return value


def chosen_time(value, now: datetime | None = None) -> datetime | None:
    """The time a write was chosen on the phone: milliseconds since 1970 (a string or a number) or a
    datetime; never later than `now` (a phone's clock ahead of the server's). None when absent;
    BadClientId when malformed."""
    now = now or utcnow()
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    else:
        try:
            millis = int(str(value).strip())
            moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
        except (ValueError, OverflowError, OSError):
            raise BadClientId() from None
    return min(moment, now)


def apply_once(user_id: int, write_id: str | None, kind: str, target: str | None = None,
               chosen_at=None, *, owner=None, now: datetime | None = None) -> Verdict:
    """Record a client write about to be applied and say whether to apply it (see the module's text).
    `owner`: the user id the phone queued it for (the form field `for_user`), when sent.
    BadClientId (400) for a malformed id, time or target; OtherUser (409) when `owner` is someone else;
    TooManyWrites (429) past the per-user cap."""
    if owner not in (None, "") and str(owner) != str(user_id):
        raise OtherUser()
    write_id = client_id(write_id)
    if write_id is None:
        return Verdict.APPLY
    if target is not None and not 0 < len(target) <= _TARGET:
        raise BadClientId()
    now = now or utcnow()
    chosen = chosen_time(chosen_at, now) or now
    if db.session.scalar(select(ClientWrite.id).where(ClientWrite.user_id == user_id,
                                                      ClientWrite.client_id == write_id)) is not None:
        return Verdict.REPLAY
    _check_cap(user_id, now)
    values = {"user_id": user_id, "client_id": write_id, "kind": kind[:20], "target": target,
              "chosen_at": chosen, "applied_at": now}
    stmt = insert(ClientWrite).values(**values)
    if target is None:
        stmt = stmt.on_conflict_do_nothing(index_elements=["user_id", "client_id"])
        inserted = db.session.execute(stmt.returning(ClientWrite.id)).scalar()
        return Verdict.APPLY if inserted is not None else Verdict.REPLAY
    newer = or_(ClientWrite.chosen_at.is_(None), ClientWrite.chosen_at < stmt.excluded.chosen_at,
                and_(ClientWrite.chosen_at == stmt.excluded.chosen_at, ClientWrite.client_id < stmt.excluded.client_id))
    stmt = stmt.on_conflict_do_update(
        index_elements=["user_id", "target"],
        set_={column: getattr(stmt.excluded, column) for column in ("client_id", "kind", "chosen_at", "applied_at")},
        where=newer)
    applied = db.session.execute(stmt.returning(ClientWrite.id)).scalar()
    return Verdict.APPLY if applied is not None else Verdict.SUPERSEDED


def _check_cap(user_id: int, now: datetime) -> None:
    cap = int(current_app.config.get("CLIENT_WRITES_PER_MINUTE") or 0)
    if cap <= 0:
        return
    recent = db.session.scalar(select(func.count(ClientWrite.id)).where(
        ClientWrite.user_id == user_id, ClientWrite.applied_at > now - timedelta(minutes=1)))
    if recent >= cap:
        raise TooManyWrites()


def annotate(response, verdict: Verdict):
    """Tell the phone what became of its write (header KopEdu-Write: applied / replay / superseded)."""
    response.headers[RESPONSE_HEADER] = Verdict(verdict).value
    return response


def first_time(user_id: int, value: str | None, kind: str) -> bool:
    """A write without a target: True when it is to be applied (kept for callers of the first API)."""
    return bool(apply_once(user_id, value, kind))


def forget(user_id: int, value: str | None) -> None:
    """Remove the id of a write that was refused after all, when the route commits other work."""
    if value:
        db.session.execute(delete(ClientWrite).where(ClientWrite.user_id == user_id,
                                                     ClientWrite.client_id == value))


def retention() -> timedelta:
    return timedelta(days=int(current_app.config.get("CLIENT_WRITE_RETENTION_DAYS") or 30))


def prune(now: datetime | None = None) -> int:
    """Delete the rows of writes applied longer ago than the retention; returns how many."""
    cutoff = (now or utcnow()) - retention()
    return db.session.execute(delete(ClientWrite).where(ClientWrite.applied_at < cutoff)).rowcount or 0
