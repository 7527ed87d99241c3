"""The bearer token that guards writes (annotations, training, activation).

``ARGMINE_API_TOKEN`` when set; otherwise a random token generated on first start
and kept in ``<data_dir>/api_token`` (mode 0600, created exclusively so two
processes starting at once cannot write different tokens). Reads stay open:
labelling and listing change nothing.
"""

from __future__ import annotations

import logging
import os
import secrets
import stat
from pathlib import Path

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from argmine.service.settings import Settings

log = logging.getLogger("argmine.auth")
_bearer = HTTPBearer(auto_error=False, description="The service's API token: ARGMINE_API_TOKEN or <data_dir>/api_token.")


class Unauthorized(PermissionError):
    """A write without the right bearer token."""


def load_or_create_token(path: Path) -> str:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            log.warning("%s is readable by other users (mode %o); run `chmod 600 %s`", path, mode, path)
        token = path.read_text(encoding="utf-8").strip()
        if len(token) < 16:
            raise RuntimeError(f"{path} holds no usable token; delete it to have a new one generated")
        return token
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    log.info("generated an API token for writes in %s (mode 0600)", path)
    return token


def resolve_token(settings: Settings) -> str:
    if settings.api_token is not None:
        log.info("writes need the bearer token from ARGMINE_API_TOKEN")
        return settings.api_token.get_secret_value()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    token = load_or_create_token(settings.token_file)
    log.info("writes need the bearer token in %s: curl -H \"Authorization: Bearer $(cat %s)\" ...",
             settings.token_file.resolve(), settings.token_file)
    return token


def require_token(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> None:
    """Dependency for write routes; constant-time comparison."""
    expected: str = request.app.state.services.token
    if credentials is None:
        raise Unauthorized("this request changes data and needs `Authorization: Bearer <token>`; the token is "
                           "ARGMINE_API_TOKEN or the contents of <data_dir>/api_token")
    if not secrets.compare_digest(credentials.credentials.encode(), expected.encode()):
        raise Unauthorized("the bearer token is not this service's API token")
