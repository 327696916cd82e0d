"""The plates officer's desk (门牌): roads and their numbering, plates and public reports,
campaigns."""

from __future__ import annotations

from fastapi import APIRouter

from api.web import i18n

router = APIRouter(prefix="/app/plates", include_in_schema=False)
N_ = i18n.N_
