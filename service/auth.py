"""Who may write: bearer tokens, each with a role (annotator < admin).

People's tokens live hashed in the database (``service.tokens``); an annotator
may store and import annotations, an admin may also train, activate models and
manage tokens. The bootstrap admin is ``ARGMINE_API_TOKEN`` when set, otherwise
a random token generated on first start and kept in ``<data_dir>/api_token``
(mode 0600, created exclusively so two processes starting at once cannot write
different tokens); its writes are recorded as ``admin``. Reads stay open:
labelling and listing change nothing. No token, or an unknown one, is 401; a
known token whose role is too weak is 403.
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
from argmine.service.tokens import BOOTSTRAP, Principal, Role

log = logging.getLogger("argmine.auth")
_bearer = HTTPBearer(auto_error=False, description="A person's token from `argmine tokens create`, or the bootstrap "
                                                  "admin token: ARGMINE_API_TOKEN or <data_dir>/api_token.")


class Unauthorized(PermissionError):
    """A write without a bearer token this service knows."""


class Forbidden(PermissionError):
    """A known token whose role does not allow this request."""


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


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The bootstrap admin (constant-time comparison) or a person's token from the database."""
    if credentials is None:
        raise Unauthorized("this request changes data and needs `Authorization: Bearer <token>`: a token from "
                           "`argmine tokens create`, or ARGMINE_API_TOKEN / the contents of <data_dir>/api_token")
    services = request.app.state.services
    if secrets.compare_digest(credentials.credentials.encode(), services.token.encode()):
        return Principal(BOOTSTRAP, "admin")
    principal = services.tokens.verify(credentials.credentials)
    if principal is None:
        raise Unauthorized("the bearer token is not one this service knows (or it was revoked); "
                           "ask an admin for one: `argmine tokens create NAME --role annotator`")
    return principal


def require(role: Role):
    """A dependency that answers with the caller's ``Principal`` if its role is at least ``role``."""
    def dependency(request: Request,
                   credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> Principal:
        principal = authenticate(request, credentials)
        if not principal.can(role):
            raise Forbidden(f"{principal.name}'s token has the role {principal.role}; this request needs {role}")
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


require_annotator = require("annotator")
require_admin = require("admin")
