"""The administrator's pages: users, roles, passwords, tokens and sessions; the audit log."""

from __future__ import annotations

from fastapi import APIRouter

from api.web import i18n

router = APIRouter(prefix="/app/admin", include_in_schema=False)
N_ = i18n.N_
