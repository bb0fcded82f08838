"""One package per area, one module per noun; each serves its pages and its part of the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from crosswalk.web.routes.access import auth, first_admin, users
from crosswalk.web.routes.ai import ai
from crosswalk.web.routes.controls import controls, exports
from crosswalk.web.routes.coverage import confirmations, explorer, gap
from crosswalk.web.routes.evidence import evidence, trail, window
from crosswalk.web.routes.gdpr import incidents, processing
from crosswalk.web.routes.isms import isms, objectives, risks, scope
from crosswalk.web.routes.mapping import adjustments
from crosswalk.web.routes.notify import unsubscribe
from crosswalk.web.routes.policies import policies
from crosswalk.web.routes.program import dashboard, plan
from crosswalk.web.routes.soa import soa

ROUTERS: list[APIRouter] = [
    auth.router,
    first_admin.router,
    dashboard.router,
    explorer.router,
    adjustments.router,
    exports.router,  # before controls: /controls/{control_id:path} would take its paths
    controls.router,
    evidence.router,
    gap.router,
    plan.router,
    confirmations.router,
    window.router,
    soa.router,
    risks.router,
    isms.router,
    scope.router,
    objectives.router,
    policies.router,
    ai.router,
    incidents.router,
    processing.router,
    trail.router,
    users.router,
    unsubscribe.router,
]
