"""The file store's cost per operation on both backends, and what the S3 client costs a process.

    python benches/storage.py [--n 200]

Starts moto's S3-compatible server on a loopback port (as the tests do; a real MinIO or Ceph on a LAN
answers in the same order of magnitude, AWS S3 from another region far slower), and prints the median
time of write_file (100 KB: a certificate PDF), exists (HEAD), read_bytes (GET) and a streamed download
through the app, for the local folder and for the bucket; then the memory a process adds by importing
boto3 and making its client (paid only when KOPEDU_STORAGE names a bucket).
"""
from __future__ import annotations

import argparse
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _median_ms(function, n: int) -> float:
    times = []
    for _ in range(n):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def _rss_kib_after(code: str) -> int:
    script = code + "\nprint(int(open('/proc/self/status').read().split('VmRSS:')[1].split()[0]))"
    return int(subprocess.check_output([sys.executable, "-c", script], text=True).strip())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    n = parser.parse_args().n

    import boto3
    from moto.server import ThreadedMotoServer

    from kopedu import create_app, storage
    from kopedu.extensions import db
    from tests import servers

    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server logs every request
    port = servers.free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    options = {"endpoint_url": f"http://127.0.0.1:{port}", "aws_access_key_id": "bench",
               "aws_secret_access_key": "bench", "region_name": "us-east-1"}
    boto3.client("s3", **options).create_bucket(Bucket="bench")
    data = secrets.token_bytes(100 * 1024)
    print(f"{'backend':8} {'write 100 KB':>13} {'exists':>8} {'read':>8} {'download':>9}   (median ms of {n})")
    try:
        for backend in ("local", "s3"):
            folder = Path(tempfile.mkdtemp(prefix="kopedu-bench-"))
            extra = {"STORAGE": "s3://bench/kopedu", "STORAGE_S3_OPTIONS": options} if backend == "s3" else {}
            app = create_app("testing", SQLALCHEMY_DATABASE_URI="sqlite://", UPLOAD_DIR=folder, **extra)
            with app.app_context():
                paths = iter(folder / "certificates" / f"{i}.pdf" for i in range(10 * n))
                last = []

                def write():
                    path = next(paths)
                    storage.write_file(path, data)
                    db.session.commit()
                    last.append(path)

                from kopedu.web.files import send_stored_file

                def download():
                    with app.test_request_context():
                        response = send_stored_file(last[-1], mimetype="application/pdf", download_name="x.pdf")
                        body = b"".join(response.response) if response.direct_passthrough or backend == "s3" \
                            else response.get_data()
                        response.close()
                        assert len(body) in (len(data), 0)

                write_ms = _median_ms(write, n)
                exists_ms = _median_ms(lambda: storage.exists(last[-1]), n)
                read_ms = _median_ms(lambda: storage.read_bytes(last[-1]), n)
                download_ms = _median_ms(download, n)
            print(f"{backend:8} {write_ms:13.2f} {exists_ms:8.2f} {read_ms:8.2f} {download_ms:9.2f}")
    finally:
        moto.stop()
    base = _rss_kib_after("import kopedu.storage")
    with_client = _rss_kib_after("import kopedu.storage, boto3\nboto3.session.Session().client('s3', "
                                 "region_name='us-east-1', endpoint_url='http://127.0.0.1:9', "
                                 "aws_access_key_id='x', aws_secret_access_key='y')")
    print(f"RSS of a process: {base / 1024:.1f} MiB with the store module; "
          f"+{(with_client - base) / 1024:.1f} MiB with boto3 imported and one S3 client")


if __name__ == "__main__":
    os.environ.setdefault("KOPEDU_CONFIG", "testing")
    main()
