"""A request id on every request: taken from X-Request-ID when sane, else generated; sent back in the
response and added to every log line written while the request runs."""
import logging
import re
import uuid

from flask import g, has_request_context, request

_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "-") if has_request_context() else "-"
        return True


def register(app) -> None:
    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _VALID.match(incoming) else uuid.uuid4().hex

    @app.after_request
    def send_request_id(response):
        if "request_id" in g:
            response.headers["X-Request-ID"] = g.request_id
        return response

    if not app.testing:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"))
        handler.addFilter(RequestIdFilter())
        app.logger.handlers[:] = [handler]
        app.logger.setLevel(logging.INFO)
        app.logger.propagate = False
