"""One module per noun; each serves its pages and its part of the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from crosswalk.web.routes import (
    auth,
    controls,
    dashboard,
    evidence,
    explorer,
    isms,
    reports,
    risks,
    soa,
    trail,
    users,
)

ROUTERS: list[APIRouter] = [
    auth.router,
    dashboard.router,
    explorer.router,
    controls.router,
    evidence.router,
    reports.router,
    soa.router,
    risks.router,
    isms.router,
    trail.router,
    users.router,
]
