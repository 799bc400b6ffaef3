"""Writes queued on a participant's phone and replayed when the link returns.

A queued write (lesson completion, quiz answer save) carries an id made on the phone. The route first
stores the id (`first_time`: INSERT … ON CONFLICT DO NOTHING, the unique (user, client id) decides, also
between two replays running at once); when it was there already the write is a replay and nothing is
applied. Otherwise the write runs with the usual rules (the server's clock decides whether a quiz attempt
is still open) in the same transaction: a refused write rolls back, its id with it (or `forget`s it when
the route commits other work), so its replay is refused again.
"""
import re

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete

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


def first_time(user_id: int, value: str | None, kind: str) -> bool:
    """Store the id of a write about to be applied; False when it was stored before (a replay: apply
    nothing). Without an id every write is a first. BadClientId when the id is malformed."""
    client_id_ = client_id(value)
    if client_id_ is None:
        return True
    result = _insert_ignore(ClientWrite, {"user_id": user_id, "client_id": client_id_, "kind": kind},
                            ["user_id", "client_id"], returning=ClientWrite.id)
    return result.scalar() is not None


def forget(user_id: int, value: str | None) -> None:
    """Remove the id of a write that was refused after all, when the route commits other work."""
    if value:
        db.session.execute(delete(ClientWrite).where(ClientWrite.user_id == user_id,
                                                     ClientWrite.client_id == value))
