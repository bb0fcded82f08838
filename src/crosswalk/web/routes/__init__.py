"""One module per noun; each serves its pages and its part of the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from crosswalk.web.routes import auth, dashboard

ROUTERS: list[APIRouter] = [auth.router, dashboard.router]
