"""Access decorators: role checks and region scope."""
from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def roles_required(*roles: str):
    """Logged in and with one of `roles`; otherwise 401/login or 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_scope(region_code: str | None) -> None:
    """Abort with 403 unless the current user may see `region_code` (admins see all)."""
    if not current_user.is_authenticated or not current_user.in_scope(region_code):
        abort(403)
