"""Pictures inside a lesson's text when a course is imported from its folder (see content/README.md)."""
import re
import secrets
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from kopedu import storage
from kopedu.courses.models import Course, CourseMedia
from kopedu.extensions import db
from kopedu.web import uploads

# A picture inside a lesson's text: ![alt](file.png) naming a PNG or JPG in the module folder. The
# importer stores it as a course medium (as if uploaded in the editor) and points the link at it, so it is
# served to whoever may read the course and saved with the module for offline reading.
INLINE_IMAGE = re.compile(r"!\[([^\]\n]*)\]\(([^()\s]+)\)")
INLINE_IMAGE_KINDS = ("jpg", "png")
MAX_INLINE_IMAGE_BYTES = 1 * uploads.MB


def inline_images(body: str, course: Course, folder: Path, source: Path) -> str:
    """The lesson text with every picture that names a file of the module folder pointed at its stored
    copy. A picture already stored for the course under the same name with the same bytes is reused,
    so re-importing an unchanged course stores nothing new and the text stays the same."""
    from kopedu.courses import authoring_services, importer

    def replace(match: re.Match) -> str:
        alt, target = match.group(1), match.group(2)
        if ":" in target or target.startswith(("/", "#")):
            return match.group(0)  # an address, not a file of the course
        path = (folder / target).resolve()
        if ".." in Path(target).parts or not path.is_file() or folder.resolve() not in path.parents:
            raise importer.ContentError(f"{source}:1: gambar '{target}' tidak ditemukan di {folder}")
        data = path.read_bytes()
        kind = uploads.sniff(data)
        if kind not in INLINE_IMAGE_KINDS or kind != uploads.kind_for_name(target):
            raise importer.ContentError(f"{source}:1: gambar '{target}' bukan PNG atau JPG")
        if len(data) > MAX_INLINE_IMAGE_BYTES:
            raise importer.ContentError(f"{source}:1: gambar '{target}' lebih dari 1 MB")
        directory = authoring_services.media_dir(current_app.config["UPLOAD_DIR"])
        media = _stored_picture(course, target, data, kind, directory)
        # the app's own address of the file, built without a request (the import runs from the command line)
        url = current_app.url_map.bind("").build("authoring.media_file",
                                                  {"name": media.stored_name, "filename": media.url_name})
        return f"![{alt}]({url})"

    return INLINE_IMAGE.sub(replace, body)


def _stored_picture(course: Course, name: str, data: bytes, kind: str, directory: Path) -> CourseMedia:
    if course.id is None:
        db.session.flush()
    for media in db.session.scalars(select(CourseMedia).where(
            CourseMedia.course_id == course.id, CourseMedia.original_name == name, CourseMedia.size == len(data))):
        path = directory / media.stored_name
        if storage.exists(path) and storage.read_bytes(path) == data:
            return media
    media = CourseMedia(course=course, stored_name=secrets.token_hex(16), original_name=name, kind=kind,
                        mime=uploads.KINDS[kind][0], size=len(data))
    db.session.add(media)
    storage.write_file(directory / media.stored_name, data)  # removed again if the import fails
    db.session.flush()
    return media
