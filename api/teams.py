"""Inspection teams (界线联检 teams): who inspects which side of a line."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["inspections"])
