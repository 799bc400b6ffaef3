"""Resumable uploads: a file from a phone is sent in chunks, each at the offset the server holds, so a
dropped connection costs one chunk and the upload goes on where it stopped (kopedu.resumable.services
says why chunks with an offset rather than tus). Features that take files (assignment files, the business
plan's photos, the monthly check-in's photos) register a Purpose and claim the finished upload by its id
when their form is sent."""
from flask import Blueprint

bp = Blueprint("resumable", __name__)

from kopedu.resumable import routes  # noqa: E402,F401
