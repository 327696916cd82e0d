"""The inspectors' desk (界线联检): lines and markers, the five-year plan, inspections, sign-off
and reports; teams for admins."""

from __future__ import annotations

from fastapi import APIRouter

from api.web import i18n

router = APIRouter(prefix="/app/boundaries", include_in_schema=False)
N_ = i18n.N_
