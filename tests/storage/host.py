"""One app host of the multi-host test, as its own process: `python -m tests.storage.host PORT`.

Configured like a deployed host, from its environment (KOPEDU_INSTANCE: its own instance folder;
DATABASE_URL, REDIS_URL, SECRET_KEY: shared; KOPEDU_STORAGE and AWS_*: the object store), served by
werkzeug's threaded server on a loopback port. CSRF is off so that the test can post plain forms."""
import sys

from werkzeug.serving import make_server

from kopedu import create_app


def main() -> None:
    port = int(sys.argv[1])
    app = create_app("development", WTF_CSRF_ENABLED=False)
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


if __name__ == "__main__":
    main()
