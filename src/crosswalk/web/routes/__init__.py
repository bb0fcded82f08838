"""One package per area, one module per noun; each serves its pages and its part of the JSON API."""

from __future__ import annotations

from fastapi import APIRouter

from crosswalk.web.routes.access import auth, first_admin, sso, users
from crosswalk.web.routes.ai import ai
from crosswalk.web.routes.controls import controls, exports, retirement
from crosswalk.web.routes.coverage import confirmations, explorer, gap
from crosswalk.web.routes.evidence import evidence, links, trail, window
from crosswalk.web.routes.gdpr import incidents, processing
from crosswalk.web.routes.isms import assets, isms, objectives, risks, scope
from crosswalk.web.routes.jobs import jobs
from crosswalk.web.routes.mapping import adjustments, reviews
from crosswalk.web.routes.notify import unsubscribe
from crosswalk.web.routes.policies import policies
from crosswalk.web.routes.program import dashboard, plan
from crosswalk.web.routes.soa import soa

ROUTERS: list[APIRouter] = [
    auth.router,
    sso.router,
    first_admin.router,
    dashboard.router,
    explorer.router,
    adjustments.router,
    reviews.router,
    exports.router,  # before controls: /controls/{control_id:path} would take its paths
    retirement.router,  # likewise
    controls.router,
    retirement.after_controls,
    evidence.router,
    links.router,
    gap.router,
    plan.router,
    confirmations.router,
    window.router,
    soa.router,
    risks.router,
    isms.router,
    scope.router,
    assets.router,
    objectives.router,
    policies.router,
    ai.router,
    incidents.router,
    processing.router,
    trail.router,
    users.router,
    jobs.router,
    unsubscribe.router,
]
