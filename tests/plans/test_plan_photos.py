"""Photos kept with the workbook: sent with the resumable upload, attached with a caption, shown to those
who may see the workbook, removed by the participant while the workbook is open; plain form files work
without JavaScript and are checked the same way."""
import io
from pathlib import Path

from sqlalchemy import select

from kopedu.db import utcnow
from kopedu.extensions import db
from kopedu.plans.models import BusinessPlan
from kopedu.plans.photos import PlanPhoto
from tests.grading import samples
from tests.plans.conftest import wb  # noqa: F401 - the fixture


def _plan(wb, status="draft"):
    plan = BusinessPlan(assignment_id=wb.assignment.id, user_id=wb.owner.id, cooperative_id=wb.coop.id, data={},
                        status=status)
    db.session.add(plan)
    db.session.commit()
    return plan


def _upload(client, plan, data=None, name="gerai.png"):
    data = data or samples.png(30, 30)
    start = client.post("/unggah", data={"purpose": "rencana", "target": plan.id, "name": name, "size": len(data)})
    assert start.status_code == 201, start.json
    upload_id = start.json["id"]
    assert client.patch(f"/unggah/{upload_id}", data=data, headers={"Upload-Offset": "0"}).json["done"]
    return upload_id


def test_photos_are_attached_shown_and_removed(client, login, wb, app):
    plan = _plan(wb)
    login(wb.owner)
    upload_id = _upload(client, plan)
    response = client.post(f"/rencana/{plan.id}/foto", data={"upload": upload_id, "caption": "Gerai tampak depan"})
    assert response.status_code == 303
    [photo] = db.session.scalars(select(PlanPhoto)).all()
    assert photo.caption == "Gerai tampak depan" and photo.kind == "png"
    page = client.get(f"/rencana/{plan.id}/foto").get_data(as_text=True)
    assert "Gerai tampak depan" in page
    assert client.get(f"/rencana/{plan.id}/foto/{photo.id}").data == samples.png(30, 30)
    path = Path(app.config["UPLOAD_DIR"]) / "plans" / photo.stored_name
    assert path.is_file()
    assert client.post(f"/rencana/{plan.id}/foto/{photo.id}/hapus").status_code == 303
    assert db.session.scalar(select(PlanPhoto)) is None and not path.exists()


def test_without_javascript_a_plain_file_is_checked_like_any_upload(client, login, wb):
    plan = _plan(wb)
    login(wb.owner)
    ok = client.post(f"/rencana/{plan.id}/foto", data={"photo-files": (io.BytesIO(samples.jpg()), "tulisan.jpg")},
                     content_type="multipart/form-data")
    assert ok.status_code == 303
    bad = client.post(f"/rencana/{plan.id}/foto", data={"photo-files": (io.BytesIO(samples.pdf()), "foto.jpg")},
                      content_type="multipart/form-data")
    assert bad.status_code == 422 and "bukan berkas JPG" in bad.get_data(as_text=True)
    assert len(db.session.scalars(select(PlanPhoto)).all()) == 1


def test_others_may_not_upload_attach_or_see(client, login, wb, app):
    plan = _plan(wb)
    login(wb.owner)
    upload_id = _upload(client, plan)
    stranger = app.test_client()
    login(wb.stranger, c=stranger)
    assert stranger.post("/unggah", data={"purpose": "rencana", "target": plan.id, "name": "x.png",
                                          "size": 10}).status_code == 403
    assert stranger.post(f"/rencana/{plan.id}/foto", data={"upload": upload_id}).status_code == 404
    assert client.post(f"/rencana/{plan.id}/foto", data={"upload": upload_id}).status_code == 303
    photo = db.session.scalar(select(PlanPhoto))
    assert stranger.get(f"/rencana/{plan.id}/foto/{photo.id}").status_code == 404
    observer = app.test_client()
    login(wb.observer, c=observer)
    assert observer.get(f"/rencana/{plan.id}/foto").status_code == 404  # a draft: not yet
    plan.status, plan.submitted_at = "submitted", utcnow()
    db.session.commit()
    assert observer.get(f"/rencana/{plan.id}/foto/{photo.id}").status_code == 200
    # a sent workbook is locked: no new photos, none removed
    assert client.post("/unggah", data={"purpose": "rencana", "target": plan.id, "name": "y.png",
                                        "size": 10}).status_code == 403
    assert client.post(f"/rencana/{plan.id}/foto/{photo.id}/hapus").status_code == 403
