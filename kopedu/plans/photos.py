"""Photos kept with a business-plan workbook (a handwritten page, a product, the gerai): made small on the
phone and sent with the resumable upload (kopedu.resumable, purpose "rencana", target the plan), then
attached here with a caption. The participant adds and removes them while the workbook is open for
changes; whoever may see the workbook (kopedu.plans.services.can_view) sees them. Services flush."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from kopedu import storage
from kopedu.db import TZDateTime, utcnow
from kopedu.extensions import db
from kopedu.resumable import services as resumable

PURPOSE = "rencana"
FOLDER = "plans"
KINDS = ("jpg", "png")
MAX_BYTES = 5 * resumable.uploads.MB
MAX_PHOTOS = 10
MAX_CAPTION = 200


class PlanPhoto(db.Model):
    __tablename__ = "business_plan_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("business_plan.id", ondelete="CASCADE"), index=True)
    caption: Mapped[str] = mapped_column(String(MAX_CAPTION), default="")
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    original_name: Mapped[str] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(10))
    size: Mapped[int] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(TZDateTime, default=utcnow)


class PhotoError(ValueError):
    """Refused; the message is for the participant."""


def _may_upload(user, plan_id: int) -> bool:
    from kopedu.plans import services as plans

    plan = plans.plan_by_id(plan_id)
    return plan is not None and plans.can_edit(user, plan)


resumable.register(resumable.Purpose(PURPOSE, KINDS, MAX_BYTES, FOLDER, _may_upload))


def photos_of(plan) -> list[PlanPhoto]:
    return db.session.scalars(select(PlanPhoto).where(PlanPhoto.plan_id == plan.id).order_by(PlanPhoto.id)).all()


def attach(plan, user, upload_ids: list[str], caption: str, files=(), upload_dir=None) -> list[PlanPhoto]:
    """Keep the finished uploads (and, from a page without JavaScript, plain form files, checked the same
    way) with the plan. Flushes."""
    caption = (caption or "").strip()[:MAX_CAPTION]
    count = db.session.scalar(select(func.count(PlanPhoto.id)).where(PlanPhoto.plan_id == plan.id)) or 0
    upload_ids = [i for i in upload_ids if i]
    files = [f for f in files if f is not None and f.filename]
    if not upload_ids and not files:
        raise PhotoError(_("Pilih foto dulu."))
    if count + len(upload_ids) + len(files) > MAX_PHOTOS:
        raise PhotoError(_("Paling banyak %(n)d foto untuk satu rencana.", n=MAX_PHOTOS))
    try:
        claimed = resumable.claim(user, upload_ids, PURPOSE, plan.id)
    except resumable.ResumableError as error:
        raise PhotoError(str(error)) from None
    staged = []
    folder = resumable.directory(upload_dir, PURPOSE) if files else None
    try:
        for item in files:
            staged.append(resumable.uploads.stage(item, folder, KINDS, MAX_BYTES))
    except resumable.uploads.UploadError as error:
        resumable.uploads.discard(staged)
        raise PhotoError(str(error)) from None
    photos = [PlanPhoto(plan_id=plan.id, caption=caption, stored_name=u.stored_name, original_name=u.original_name,
                        kind=u.kind, size=u.size) for u in [*claimed, *staged]]
    db.session.add_all(photos)
    db.session.flush()
    if staged:
        storage.place(staged, folder)
    return photos


def remove(photo: PlanPhoto, upload_dir) -> None:
    """Delete a photo; its file goes once the deletion commits. Flushes."""
    storage.delete_after_commit(resumable.directory(upload_dir, PURPOSE) / photo.stored_name)
    db.session.delete(photo)
    db.session.flush()
