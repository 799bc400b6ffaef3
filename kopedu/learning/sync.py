"""Writes queued on a participant's phone and replayed when the link returns.

A queued write (lesson completion, quiz answer save) carries an id made on the phone. The route asks
`already_applied` first: a replay answers as if it had just been applied and writes nothing. Otherwise the
write runs with the usual rules (the server's clock decides whether a quiz attempt is still open) and
`remember` stores the id in the same transaction; the unique (user, client id) decides a race between two
replays, whose loser rolls back. A refused write stores nothing, so its replay is refused again.
"""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from kopedu.extensions import db
from kopedu.learning.models import ClientWrite
from kopedu.learning.services import LearningError, _insert_ignore

_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class BadClientId(LearningError):
    status = 400
    default = _l("Permintaan tidak dapat diproses.")


def client_id(value: str | None) -> str | None:
    """The client id sent with a write (None when the write carries none); BadClientId when malformed."""
    if value is None or value == "":
        return None
    if not _CLIENT_ID.match(value):
        raise BadClientId()
    return value


def already_applied(user_id: int, client_id_: str | None) -> bool:
    if client_id_ is None:
        return False
    return db.session.scalar(select(ClientWrite.id).where(
        ClientWrite.user_id == user_id, ClientWrite.client_id == client_id_)) is not None


def remember(user_id: int, client_id_: str | None, kind: str) -> bool:
    """Store the id of a write just applied. False when a concurrent replay stored it first: the caller
    rolls back its own write and answers as for a replay."""
    if client_id_ is None:
        return True
    result = _insert_ignore(ClientWrite, {"user_id": user_id, "client_id": client_id_, "kind": kind},
                            ["user_id", "client_id"], returning=ClientWrite.id)
    return result.scalar() is not None
