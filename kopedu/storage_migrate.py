"""Copy a local file store (an UPLOAD_DIR) into an S3-compatible bucket and verify every object:
`flask kopedu storage-migrate`. Safe to run again and again (a file already there with the same size and
checksum is left alone), so it can run while the old hosts still write, and once more after they stop.

An object counts as the same file when its size matches and either the sha256 this project stores in the
object's metadata, or the ETag of a single-part upload (the MD5 of the content), matches the local file.
`verify_content` downloads each object back and compares its sha256 (slow: every byte is read twice).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from kopedu.store_backends import CHUNK, LocalStore, S3Store


@dataclass
class Report:
    source: str
    target: str
    copied: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    bytes_copied: int = 0
    bytes_total: int = 0

    @property
    def ok(self) -> bool:
        return not self.failed

    def lines(self) -> list[str]:
        out = [f"{self.source} -> {self.target}",
               f"{len(self.copied) + len(self.present) + len(self.failed)} files, {self.bytes_total:,} bytes: "
               f"{len(self.copied)} copied ({self.bytes_copied:,} bytes), {len(self.present)} already there "
               f"and verified, {len(self.failed)} failed"]
        out += [f"  FAILED {key}: {why}" for key, why in self.failed]
        return out


def _digests(path: Path) -> tuple[str, str]:
    sha, md5 = hashlib.sha256(), hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            sha.update(chunk)
            md5.update(chunk)
    return sha.hexdigest(), md5.hexdigest()


def _same(head: dict | None, size: int, sha256: str, md5: str) -> bool:
    if head is None or head.get("ContentLength") != size:
        return False
    if (head.get("Metadata") or {}).get("sha256") == sha256:
        return True
    etag = (head.get("ETag") or "").strip('"')
    return "-" not in etag and etag == md5


def _content_sha256(target: S3Store, key: str) -> str:
    body = target.client.get_object(Bucket=target.bucket, Key=f"{target.prefix}/{key}" if target.prefix else key)["Body"]
    digest = hashlib.sha256()
    for chunk in body.iter_chunks(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def migrate(source: LocalStore, target: S3Store, *, dry_run: bool = False, verify_content: bool = False,
            progress=None) -> Report:
    """Copy every file of `source` that `target` lacks (or holds differently), then verify it."""
    report = Report(source=source.describe(), target=target.describe())
    for key, path in source.iter_files():
        try:
            size = path.stat().st_size
            sha256, md5 = _digests(path)
            report.bytes_total += size
            if _same(target.head(key=key), size, sha256, md5) and (
                    not verify_content or _content_sha256(target, key) == sha256):
                report.present.append(key)
                continue
            if dry_run:
                report.copied.append(key)
                continue
            target.upload(path, key, sha256=sha256)
            head = target.head(key=key)
            if not _same(head, size, sha256, md5):
                raise RuntimeError(f"after the upload the object has {head and head.get('ContentLength')} bytes "
                                   f"and another checksum")
            if verify_content and _content_sha256(target, key) != sha256:
                raise RuntimeError("the object read back differs from the file")
            report.copied.append(key)
            report.bytes_copied += size
        except Exception as error:  # noqa: BLE001 - one file's failure is reported, the others go on
            report.failed.append((key, f"{type(error).__name__}: {error}"))
        if progress is not None:
            progress(key)
    return report
