"""An upload in progress and its chunks. Partial uploads live in the database, not on one app host's
disk, so the next chunk may reach any host; a finished upload's file is in the file store."""
from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kopedu.db import TZDateTime, utcnow
from kopedu.extensions import db


class ResumableUpload(db.Model):
    __tablename__ = "resumable_upload"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # random, 128 bits
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(default=0)  # the lesson, plan … the purpose's check names
    original_name: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column()  # declared at the start; the upload ends when offset == size
    offset: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str | None] = mapped_column(String(10))  # sniffed when finished
    sha256: Mapped[str | None] = mapped_column(String(64))
    stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(TZDateTime)

    @property
    def done(self) -> bool:
        return self.completed_at is not None


class UploadChunk(db.Model):
    __tablename__ = "upload_chunk"

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[str] = mapped_column(ForeignKey("resumable_upload.id", ondelete="CASCADE"))
    offset: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(LargeBinary)

    # Two hosts receiving the same chunk at once: the database keeps one.
    __table_args__ = (UniqueConstraint("upload_id", "offset"),)
