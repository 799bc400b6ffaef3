"""gunicorn.conf.py run for real: the preloaded app is warmed up once in the master (every template
compiled) before the workers are forked, and the workers serve the pages.

The server runs on a free loopback port with the production configuration on a SQLite file and is
stopped at the end."""
from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

from tests import servers
from tests.faults.conftest import Http

ROOT = Path(__file__).resolve().parents[2]


def test_gunicorn_warms_the_app_before_forking_and_its_workers_serve(tmp_path):
    database = tmp_path / "kopedu.db"
    env = {**os.environ, "KOPEDU_CONFIG": "production", "DATABASE_URL": f"sqlite:///{database}",
           "SECRET_KEY": secrets.token_hex(32), "KOPEDU_UPLOAD_DIR": str(tmp_path / "uploads"),
           "KOPEDU_INSTANCE": str(tmp_path / "instance"), "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "2",
           "GUNICORN_ACCESSLOG": ""}
    env.pop("REDIS_URL", None)
    subprocess.run([sys.executable, "-c", "from kopedu import create_app\nfrom kopedu.extensions import db\n"
                    "app = create_app()\nwith app.app_context(): db.create_all()"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    port = servers.free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                  env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}, stdout=out, stderr=subprocess.STDOUT)
    try:
        browser = Http(f"http://127.0.0.1:{port}")
        for _ in range(150):
            try:
                if browser.request("GET", "/livez")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not answer /livez:\n" + log.read_text())
        status, body, _headers = browser.request("GET", "/masuk")
        assert status == 200 and b'name="csrf_token"' in body
        text = log.read_text()
        warmed = re.search(r"Warmed up before forking: (\d+) templates compiled", text)
        assert warmed and int(warmed.group(1)) > 50, text
        assert text.index("Warmed up before forking") < text.index("Booting worker"), text
        assert "Traceback" not in text and "Exception" not in text, text
    finally:
        server.terminate()
        server.wait(20)
