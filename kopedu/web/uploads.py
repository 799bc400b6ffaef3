"""Uploaded files: the type is read from the content (magic bytes, and the parts of a DOCX/XLSX/PPTX
ZIP), the size is limited while streaming, and files are stored under random names outside static/.
`sniff()` is the one content check of the project: uploads here, lesson handouts in the course
importer, certificate logos and signatures, participant lists.

Two steps keep disk and database in step:
1. `stage()` streams an upload into a temporary file (``<dir>/tmp/``) and checks it; on any error
   the temporary file is gone and an UploadError with a message for the user is raised.
2. `kopedu.storage.place()` (call it after the rows that name the files are flushed) moves the staged
   files to their final random names; the file store removes them again if the transaction does not
   commit. Stored files are sent by kopedu.web.files.send_stored_file.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

MB = 1024 * 1024
CHUNK = 64 * 1024

# kind → (MIME type, label shown to people, file name endings that fit)
KINDS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", "PDF", (".pdf",)),
    "jpg": ("image/jpeg", "JPG", (".jpg", ".jpeg")),
    "png": ("image/png", "PNG", (".png",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "DOCX", (".docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX", (".xlsx",)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "PPTX", (".pptx",)),
    # audio: lesson narrations (uploaded, or recorded in the browser: WebM/Opus in Chromium)
    "mp3": ("audio/mpeg", "MP3", (".mp3",)),
    "m4a": ("audio/mp4", "M4A", (".m4a", ".aac")),
    "ogg": ("audio/ogg", "OGG/Opus", (".ogg", ".opus", ".oga")),
    "webm": ("audio/webm", "WebM", (".webm", ".weba")),
}
AUDIO_KINDS = ("mp3", "m4a", "ogg", "webm")
_BY_SUFFIX = {suffix: kind for kind, (_mime, _label, suffixes) in KINDS.items() for suffix in suffixes}

_OFFICE = {
    # kind: (main part, content type of that part)
    "docx": ("word/document.xml", b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xlsx": ("xl/workbook.xml", b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "pptx": ("ppt/presentation.xml",
             b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}


class UploadError(ValueError):
    """An upload that is refused; the message is for the person who sent it."""


@dataclass
class StagedFile:
    tmp_path: Path
    original_name: str
    kind: str
    size: int
    sha256: str
    stored_name: str

    @property
    def mime(self) -> str:
        return KINDS[self.kind][0]


def labels(kinds) -> str:
    return ", ".join(KINDS[k][1] for k in kinds)


def kind_for_name(filename: str | None) -> str | None:
    """The kind a file name's ending promises (photo.JPEG → jpg), or None."""
    return _BY_SUFFIX.get(Path(filename or "").suffix.lower())


def _suffix(filename: str) -> str | None:
    """A file name's ending if it looks like one (".jar", ".docm"; not "Tahap 1.2" nor "v. Final")."""
    suffix = Path(filename).suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,5}", suffix) and not suffix[1:].isdigit() else None


def with_extension(filename: str, kind: str) -> str:
    """The name with the ending of the kind its content is (a name without an ending gets one)."""
    return filename if _suffix(filename) in KINDS[kind][2] else filename + KINDS[kind][2][0]


def sniff(source: Path | bytes) -> str | None:
    """The kind of a file from its content (a path, or the bytes themselves), or None if it is none
    of KINDS."""
    if isinstance(source, bytes):
        head = source[:1024]
    else:
        with open(source, "rb") as handle:
            head = handle.read(1024)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(io.BytesIO(source) if isinstance(source, bytes) else source)
    return _audio_kind(head)


_M4A_BRANDS = (b"M4A ", b"M4B ", b"mp42", b"mp41", b"isom", b"iso2", b"dash")


def _audio_kind(head: bytes) -> str | None:
    """MP3 (an ID3 tag, or an MPEG layer III frame), M4A (an MP4 box of an audio brand), Ogg, WebM."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
                                   and (head[1] >> 1) & 0x03 == 0x01):
        return "mp3"
    if head[4:8] == b"ftyp" and head[8:12] in _M4A_BRANDS:
        return "m4a"
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    return None


# Parts that make an Office file something else: macros (.docm/.xlsm), Java (.jar), signed packages.
_FOREIGN_PARTS = re.compile(r"(^|/)(vbaProject\.bin|vbaData\.xml|[^/]*\.(class|jar|exe|dll|js|vbs|bin))$|^META-INF/",
                            re.IGNORECASE)
_OVERRIDE = re.compile(rb"<Override\b([^>]*)>")
_ATTRIBUTE = re.compile(rb'(\w+)\s*=\s*"([^"]*)"')


def _office_kind(file) -> str | None:
    """DOCX, XLSX and PPTX are ZIPs whose [Content_Types].xml declares their main part with exactly
    its type; a ZIP with macro, Java or executable parts in it is none of them."""
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
            info = archive.getinfo("[Content_Types].xml") if "[Content_Types].xml" in names else None
            if info is None or info.file_size > MB:
                return None
            content_types = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, OSError, RuntimeError, NotImplementedError):
        return None
    if b"macroenabled" in content_types.lower() or any(_FOREIGN_PARTS.search(name) for name in names):
        return None
    declared = {}
    for attributes in _OVERRIDE.findall(content_types):
        values = dict(_ATTRIBUTE.findall(attributes))
        declared[values.get(b"PartName", b"").lstrip(b"/").decode("utf-8", "replace")] = values.get(b"ContentType")
    for kind, (part, content_type) in _OFFICE.items():
        if part in names and declared.get(part) == content_type:
            return kind
    return None


def display_name(filename: str | None) -> str:
    """The name shown back to people: no folders, no control characters, at most 200 characters."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip() or "berkas"
    if len(name) > 200:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: 190] + dot + suffix[:9]) if dot else name[:200]
    return name


def stage(storage, directory: Path, allowed, max_bytes: int) -> StagedFile:
    """Stream one werkzeug FileStorage into directory/tmp and check size and type."""
    name = display_name(storage.filename)
    tmp_dir = Path(directory) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp_path = tmp_dir / (secrets.token_hex(16) + ".part")
    digest = hashlib.sha256()
    size = 0
    try:
        with open(tmp_path, "wb") as out:
            while True:
                chunk = storage.stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(_("Berkas \"%(name)s\" lebih dari %(mb)d MB. Perkecil dulu, misalnya "
                                        "foto dengan resolusi lebih rendah.", name=name, mb=max_bytes // MB))
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UploadError(_("Berkas \"%(name)s\" kosong.", name=name))
        kind = sniff(tmp_path)
        suffix = _suffix(name)
        expected = _BY_SUFFIX.get(suffix) if suffix else None
        # A name's ending must be the content's (a DOCX called .docm or .jar is refused, not kept
        # under a name that opens it as something else); a name without an ending gets the content's.
        if kind is None or kind not in allowed or (suffix is not None and expected != kind):
            if expected in allowed:
                message = _("Berkas \"%(name)s\" bukan berkas %(type)s yang sah. Berkas yang diterima: %(types)s.",
                            name=name, type=KINDS[expected][1], types=labels(allowed))
            else:
                message = _("Jenis berkas \"%(name)s\" tidak diterima. Berkas yang diterima: %(types)s.",
                            name=name, types=labels(allowed))
            raise UploadError(message)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return StagedFile(tmp_path=tmp_path, original_name=with_extension(name, kind), kind=kind, size=size,
                      sha256=digest.hexdigest(), stored_name=secrets.token_hex(16))


def discard(staged) -> None:
    for item in staged:
        item.tmp_path.unlink(missing_ok=True)
