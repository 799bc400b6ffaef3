"""Lesson narrations: a trainer's recorded reading of a lesson, for officers who read poorly.

A trainer of the course uploads an audio file (MP3, M4A, OGG/Opus) or records one in the lesson editor
(static/js/recorder.js: MediaRecorder, Opus in WebM, its size shown while recording). One narration per
lesson; a new one replaces the old (its file is removed once the change has committed). The lesson page
plays it with the browser's own player; "Simpan untuk dibaca offline" saves it with the module
(kopedu.learning.offline, a per-file cap of its own). The learner's download route is in
kopedu.learning.routes (it checks enrolment and the lesson's lock like a handout).
"""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from kopedu import audit
from kopedu import storage as file_store
from kopedu.courses.authoring import AUTHORS, _get, bp
from kopedu.courses.models import Lesson, LessonNarration
from kopedu.extensions import db
from kopedu.web import uploads
from kopedu.web.access import roles_required
from kopedu.web.files import send_stored_file
from kopedu.web.htmx import redirect

MAX_BYTES = 15 * uploads.MB  # about 30 minutes of speech at 64 kbit/s
RECORD_SECONDS = 20 * 60  # the editor's recorder stops by itself after this long

bp.add_app_template_global(RECORD_SECONDS, "narration_record_seconds")
bp.add_app_template_global(MAX_BYTES // uploads.MB, "narration_max_mb")


def directory() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "narrations"


def path_of(narration: LessonNarration) -> Path:
    return directory() / narration.stored_name


# --------------------------------------------------------------------------- services


def attach(lesson: Lesson, upload, *, recorded: bool) -> LessonNarration:
    """Check and store `upload` as the lesson's narration, replacing the one it had. Raises
    uploads.UploadError with a message for the trainer (nothing is kept then)."""
    folder = directory()
    staged = uploads.stage(upload, folder, uploads.AUDIO_KINDS, MAX_BYTES)
    try:
        if lesson.narration is not None:
            remove(lesson)
        narration = LessonNarration(lesson=lesson, stored_name=staged.stored_name, kind=staged.kind,
                                    content_type=staged.mime, size=staged.size, sha256=staged.sha256,
                                    recorded=recorded)
        db.session.add(narration)
        db.session.flush()
    except BaseException:
        uploads.discard([staged])
        raise
    file_store.place([staged], folder)
    return narration


def remove(lesson: Lesson) -> None:
    """Delete the lesson's narration; its file goes once the deletion has committed."""
    narration = lesson.narration
    if narration is None:
        return
    file_store.delete_after_commit(path_of(narration))
    lesson.narration = None
    db.session.flush()


def send(narration: LessonNarration, cache_control: str):
    return send_stored_file(path_of(narration), mimetype=narration.content_type,
                            download_name=f"narasi-{narration.lesson_id}.{narration.kind}", inline=True,
                            etag=narration.sha256, cache_control=cache_control)


# --------------------------------------------------------------------------- routes (the lesson editor)


@bp.post("/pelajaran/<int:lesson_id>/narasi")
@roles_required(*AUTHORS)
def narration_upload(lesson_id: int):
    lesson = _get(Lesson, lesson_id)
    upload = request.files.get("narasi")
    back = url_for("authoring.lesson", lesson_id=lesson.id) + "#narasi"
    if upload is None or not upload.filename:
        flash(_("Pilih berkas suara dulu."), "error")
        return redirect(back)
    try:
        attach(lesson, upload, recorded=request.form.get("direkam") == "1")
    except uploads.UploadError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(back)
    audit.record(current_user, "lesson.narration", lesson)
    db.session.commit()
    flash(_("Narasi sudah disimpan."), "success")
    return redirect(back)


@bp.post("/pelajaran/<int:lesson_id>/narasi/hapus")
@roles_required(*AUTHORS)
def narration_delete(lesson_id: int):
    lesson = _get(Lesson, lesson_id)
    remove(lesson)
    audit.record(current_user, "lesson.narration_delete", lesson)
    db.session.commit()
    flash(_("Narasi sudah dihapus."), "success")
    return redirect(url_for("authoring.lesson", lesson_id=lesson.id) + "#narasi")


@bp.get("/pelajaran/<int:lesson_id>/narasi/dengar")
@roles_required(*AUTHORS)
def narration_file(lesson_id: int):
    """The narration for the course's trainers (the editor's player), published or not."""
    lesson = _get(Lesson, lesson_id)
    if lesson.narration is None:
        abort(404)
    return send(lesson.narration, "private, no-cache")


@bp.after_app_request
def _microphone_for_the_recorder(response):
    """The lesson editor may use the microphone (the recorder); every other page keeps it off."""
    if request.endpoint == "authoring.lesson":
        response.headers["Permissions-Policy"] = "camera=(self), microphone=(self), geolocation=()"
    return response
