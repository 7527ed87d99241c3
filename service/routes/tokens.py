"""People's tokens over HTTP, for admins: create (shown once), list, revoke (the CLI does the same); and
`/v1/me`: who the calling token is."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

import anyio
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from argmine.service.deps import ADMIN, WRITE, Principal, Services, get_services
from argmine.service.schemas import WHITESPACE, ErrorOut
from argmine.service.tokens import NAME_FORBIDDEN, Role, TokenInfo

router = APIRouter(tags=["tokens"])
_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorOut} for code in (401, 403, 422)}


# The rule ``tokens._check_name`` enforces: at least one non-blank character, none forbidden.
_NAME = f"^[^{NAME_FORBIDDEN}]*[^{NAME_FORBIDDEN}{WHITESPACE}][^{NAME_FORBIDDEN}]*$"


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(max_length=200, pattern=_NAME,
                      description="The person; their annotations are recorded under this name. Not blank; "
                                  "no control characters or line breaks.")
    role: Role = Field("annotator", description="annotator: store and import annotations; admin: also train, "
                                                "activate models and manage tokens.")


class TokenOut(BaseModel):
    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None


class NewTokenOut(TokenOut):
    token: str = Field(description="The bearer token. Shown only in this answer: only its hash is stored.")


class MeOut(BaseModel):
    name: str = Field(description="The name writes with this token are recorded under (annotator, created_by).")
    role: Role


class TokensOut(BaseModel):
    tokens: list[TokenOut]


def _out(info: TokenInfo) -> dict[str, Any]:
    return {**asdict(info), "active": info.active}


@router.post("/v1/tokens", status_code=201, response_model=NewTokenOut, responses=_ERRORS,
             summary="Make a token for a person (admin)")
async def create_token(body: TokenIn, services: Services = Depends(get_services),
                       who: Principal = ADMIN) -> dict[str, Any]:
    token, info = await anyio.to_thread.run_sync(services.tokens.create, body.name, body.role, who.name)
    return {**_out(info), "token": token}


@router.get("/v1/tokens", response_model=TokensOut, responses=_ERRORS, dependencies=[ADMIN],
            summary="Every token with its owner, role and history, never the token itself (admin)")
def list_tokens(services: Services = Depends(get_services)) -> dict[str, Any]:
    return {"tokens": [_out(info) for info in services.tokens.list()]}


@router.post("/v1/tokens/{token_id}/revoke", response_model=TokenOut,
             responses={**_ERRORS, 404: {"model": ErrorOut}},
             summary="Revoke a token at once, on every replica (admin)")
def revoke_token(token_id: int, services: Services = Depends(get_services), who: Principal = ADMIN) -> dict[str, Any]:
    (info,) = services.tokens.revoke(token_id=token_id, revoked_by=who.name)
    return _out(info)


@router.get("/v1/me", response_model=MeOut, responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}},
            summary="Who this token is: the name its writes are recorded under, and its role")
def me(who: Principal = WRITE) -> dict[str, Any]:
    """The web page asks once, to tell a person's own stored links (which they may change) from others'."""
    return {"name": who.name, "role": who.role}
