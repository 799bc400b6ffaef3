"""The two backends of kopedu.storage: this host's folder, and an S3-compatible object store.

Both name a stored file by its path under UPLOAD_DIR (the only names the rest of the code knows); the
S3 store turns it into the object key PREFIX/<path relative to UPLOAD_DIR>. boto3 is imported only when
an S3 store is configured, so the embedded default does not load it.
"""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

CHUNK = 256 * 1024


def parse_s3_url(url: str) -> tuple[str, str]:
    """s3://bucket/some/prefix → ("bucket", "some/prefix"); the prefix may be empty."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"KOPEDU_STORAGE must be 'local' or s3://BUCKET/PREFIX, not {url!r}")
    return parts.netloc, parts.path.strip("/")


class Store:
    """What both backends do. `path` arguments are paths under the store root (UPLOAD_DIR)."""

    kind = "?"
    root: Path | None = None

    def key(self, path) -> str:
        """The path relative to the store root, / separated; ValueError for a path outside it."""
        if self.root is None:
            raise ValueError("the store has no root folder")
        path = Path(path)
        full = (path if path.is_absolute() else self.root / path).resolve()
        root = self.root.resolve()
        if not full.is_relative_to(root) or full == root:
            raise ValueError(f"{path} is not a file under the upload folder")
        return full.relative_to(root).as_posix()

    def path(self, key: str) -> Path:
        if self.root is None:
            raise ValueError("the store has no root folder")
        return self.root / PurePosixPath(key)

    def describe(self) -> str:
        raise NotImplementedError

    # each backend: put_bytes, put_file, get_bytes, exists, size, delete, download, iter_keys


class LocalStore(Store):
    """Files in a folder of this host (UPLOAD_DIR). Without a root (no app), paths are used as they are."""

    kind = "local"

    def __init__(self, root):
        self.root = Path(root) if root is not None else None

    def describe(self) -> str:
        return f"local folder {self.root}"

    def _full(self, path) -> Path:
        path = Path(path)
        if self.root is not None and not path.is_absolute():
            return self.root / path
        return path

    def put_bytes(self, path, data: bytes) -> None:
        full = self._full(path)
        full.parent.mkdir(parents=True, exist_ok=True)
        tmp = full.with_name(full.name + ".tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, full)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_file(self, source: Path, path) -> None:
        full = self._full(path)
        full.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, full)
        except OSError:  # another file system: copy, then rename in place
            tmp = full.with_name(full.name + ".tmp")
            shutil.copyfile(source, tmp)
            os.replace(tmp, full)
            Path(source).unlink(missing_ok=True)

    def get_bytes(self, path) -> bytes:
        return self._full(path).read_bytes()

    def exists(self, path) -> bool:
        return self._full(path).is_file()

    def size(self, path) -> int | None:
        try:
            full = self._full(path)
            return full.stat().st_size if full.is_file() else None
        except OSError:
            return None

    def delete(self, path) -> None:
        try:
            os.remove(self._full(path))
        except OSError:
            pass

    def download(self, path, target: Path) -> None:
        shutil.copyfile(self._full(path), target)

    def local_path(self, path) -> Path:
        """The file on this host's disk (the local backend only)."""
        return self._full(path)

    def iter_files(self):
        """(key, path) of every stored file; files being received (tmp/) and half-written ones are skipped."""
        root = self.root
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d != "tmp")  # uploads being received (kopedu.web.uploads)
            for name in sorted(files):
                if name.endswith((".tmp", ".part")):
                    continue
                full = Path(folder) / name
                yield full.relative_to(root).as_posix(), full


def _missing(error) -> bool:
    code = str(error.response.get("Error", {}).get("Code", ""))
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return code in ("404", "NoSuchKey", "NotFound") or status == 404


class S3Store(Store):
    """Objects in a bucket of an S3-compatible store, under a key prefix.

    The client is boto3's (thread-safe, one per process): it reads AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY and AWS_REGION itself; `client_options` (STORAGE_S3_OPTIONS) override them.
    With an endpoint (MinIO, Ceph RGW, Garage) keys are addressed by path (…/bucket/key), which they all
    serve; on AWS by virtual host.
    """

    kind = "s3"

    def __init__(self, bucket: str, prefix: str = "", *, upload_dir=None, client_options: dict | None = None,
                 public_url: str | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.root = Path(upload_dir) if upload_dir is not None else None
        self._options = dict(client_options or {})
        self._public_url = public_url
        self._client = None
        self._signer = None

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    # -- client

    def _make_client(self, endpoint_url: str | None = None):
        import boto3
        from botocore.config import Config

        options = dict(self._options)
        endpoint = endpoint_url or options.pop("endpoint_url", None) or os.environ.get("AWS_ENDPOINT_URL_S3") \
            or os.environ.get("AWS_ENDPOINT_URL")
        options.pop("endpoint_url", None)
        config = Config(retries={"max_attempts": 4, "mode": "standard"}, connect_timeout=5, read_timeout=60,
                        s3={"addressing_style": "path" if endpoint else "auto"},
                        signature_version="s3v4")
        if endpoint:
            options["endpoint_url"] = endpoint
        if not options.get("region_name"):  # botocore itself reads only AWS_DEFAULT_REGION
            options["region_name"] = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None
        return boto3.session.Session().client("s3", config=config, **options)

    @property
    def client(self):
        if self._client is None:
            self._client = self._make_client()
        return self._client

    def object_key(self, path) -> str:
        key = self.key(path)
        return f"{self.prefix}/{key}" if self.prefix else key

    # -- writing

    def put_bytes(self, path, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.object_key(path), Body=data,
                               Metadata={"sha256": hashlib.sha256(data).hexdigest()})

    def put_file(self, source: Path, path) -> None:
        """Upload (multipart above 8 MB, by boto3's transfer manager), then remove the local file."""
        self.upload(Path(source), self.key(path))
        Path(source).unlink(missing_ok=True)

    def upload(self, source: Path, key: str, sha256: str | None = None) -> None:
        """Upload the local file `source` as the store key `key` (relative to the prefix), keeping it."""
        if sha256 is None:
            sha256 = file_sha256(source)
        full_key = f"{self.prefix}/{key}" if self.prefix else key
        self.client.upload_file(str(source), self.bucket, full_key, ExtraArgs={"Metadata": {"sha256": sha256}})

    # -- reading

    def get_bytes(self, path) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.object_key(path))["Body"].read()
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(str(path)) from None
            raise

    def head(self, path=None, *, key: str | None = None) -> dict | None:
        """The object's metadata (ContentLength, ETag, Metadata), or None if it is not there."""
        from botocore.exceptions import ClientError

        full_key = self.object_key(path) if key is None else (f"{self.prefix}/{key}" if self.prefix else key)
        try:
            return self.client.head_object(Bucket=self.bucket, Key=full_key)
        except ClientError as error:
            if _missing(error):
                return None
            raise

    def exists(self, path) -> bool:
        try:
            return self.head(path) is not None
        except ValueError:
            return False

    def size(self, path) -> int | None:
        head = self.head(path)
        return head["ContentLength"] if head else None

    def open(self, path, byte_range: str | None = None):
        """(body stream, length, etag, Content-Range or None) of the object, or of the part `byte_range`
        ("bytes=0-1023") names; FileNotFoundError if it is not there, ValueError if the range is outside."""
        from botocore.exceptions import ClientError

        extra = {"Range": byte_range} if byte_range else {}
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.object_key(path), **extra)
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(str(path)) from None
            if str(error.response.get("Error", {}).get("Code")) == "InvalidRange":
                raise ValueError("range not satisfiable") from None
            raise
        return (answer["Body"], answer["ContentLength"], answer.get("ETag", "").strip('"'),
                answer.get("ContentRange") if byte_range else None)

    def download(self, path, target: Path) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.download_file(self.bucket, self.object_key(path), str(target))
        except ClientError as error:
            if _missing(error):
                raise FileNotFoundError(str(path)) from None
            raise

    def presigned_url(self, path, *, seconds: int, content_type: str, disposition: str,
                      cache_control: str = "private, no-cache") -> str:
        """A URL that lets whoever holds it GET the object for `seconds`, with these response headers."""
        if self._signer is None:
            self._signer = self._make_client(self._public_url) if self._public_url else self.client
        return self._signer.generate_presigned_url(
            "get_object", ExpiresIn=seconds,
            Params={"Bucket": self.bucket, "Key": self.object_key(path), "ResponseContentType": content_type,
                    "ResponseContentDisposition": disposition, "ResponseCacheControl": cache_control})

    # -- removing

    def delete(self, path) -> None:
        from botocore.exceptions import ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self.object_key(path))
        except (ClientError, ValueError):
            pass

    def iter_keys(self):
        """(key relative to the prefix, size) of every object under the prefix."""
        start = f"{self.prefix}/" if self.prefix else ""
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
            for item in page.get("Contents", []):
                yield item["Key"][len(start):], item["Size"]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
