"""The names officer's desk (地名): the application queue, new applications, checks, workflow
actions, announcements and the register."""

from __future__ import annotations

from fastapi import APIRouter

from api.web import i18n

router = APIRouter(prefix="/app/names", include_in_schema=False)
N_ = i18n.N_


from typing import Annotated  # noqa: E402

from fastapi import Depends, Request  # noqa: E402

from api.deps import require  # noqa: E402
from api.web.pages import desk_page  # noqa: E402
from geo.audit import Actor  # noqa: E402


@router.get("")
def index(request: Request, actor: Annotated[Actor, Depends(require("names_officer"))]):
    return desk_page(request, "names_desk.html", actor=actor, map=True, draw=True)
