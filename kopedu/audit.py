"""An append-only log of what admins and trainers changed."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from kopedu.db import TZDateTime, utcnow
from kopedu.extensions import db


class AuditEvent(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[dict | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)


def record(actor, action: str, obj=None, object_type: str | None = None, **detail) -> AuditEvent:
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or (type(obj).__name__.lower() if obj is not None else "-"),
        object_id=str(getattr(obj, "id", "") or getattr(obj, "code", "") or "") or None,
        detail=detail or None,
    )
    db.session.add(event)
    return event
