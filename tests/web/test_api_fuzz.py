"""The JSON API fuzzed from its own OpenAPI document (issue 18): as every role, every
operation answers generated requests, valid and invalid, with no server error, a status it
documents, in a content type it documents, with a body matching the schema it declares.

Each role signs in to its own copy of the demo workspace (the fuzzer writes to it freely)
and sends the requests to the app in-process with its session cookie and CSRF token, as an
API client does. CI runs a short derandomized pass: the admin gets schemathesis' coverage
phase (boundary and wrong-type values of every parameter, the same cases every run) and
``API_EXAMPLES`` generated cases per operation, every other role the generated cases.
``CROSSWALK_FUZZ_EXAMPLES`` raises the count; ``bench/bench_fuzz.py`` runs it longer with
fresh cases (``CROSSWALK_FUZZ_RANDOM=1``).

No operation is left out. Uploads are fuzzed as multipart forms. Signing out
(``POST /logout``) is a page route outside the document, so the fuzzer cannot end its own
session; the one thing it could do to itself, change its own account (password, role,
active) through ``PATCH /api/users/{email}``, is skipped in ``_send``.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import assume, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.python.asgi import ASGIClient, shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from crosswalk.store.auth_models import UserRow
from crosswalk.store.engine import session_scope
from crosswalk.store.isms_models import (
    InternalAuditRow,
    ManagementReviewRow,
    NonconformityRow,
    RiskRow,
    SoaEntryRow,
)
from crosswalk.store.models import ControlRow, EvidenceRow, TagRow
from crosswalk.store.workspace import open_workspace
from crosswalk.web.app import create_app
from crosswalk.web.settings import WebSettings
from tests.conftest import DEMO_TODAY
from tests.fuzzing import FUZZ_EXAMPLES, fuzz, fuzz_settings
from tests.web.conftest import PASSWORD, USERS

API_EXAMPLES = max(5, FUZZ_EXAMPLES // 20)
"""Generated cases per operation and role: 5 in CI (each is a request through the whole
app, and some build a report); the bench's 2000 make 100."""

# The document /api/openapi.json serves (built without a workspace; each role's fixture
# checks that its app serves the same).
OPENAPI = create_app(WebSettings(workspace=Path("unused"))).openapi()


def _schema(*phases: str) -> Any:
    config = SchemathesisConfig.from_dict(
        {"phases": {name: {"enabled": name in phases} for name in PHASES}}
    )
    return schemathesis.openapi.from_dict(OPENAPI, config=config)


PHASES = ("examples", "coverage", "fuzzing", "stateful")
THOROUGH = _schema("examples", "coverage", "fuzzing")
GENERATED = _schema("fuzzing")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Ids of the demo's records by the path parameter that names them, read from the workspace
# before the first case: half the generated cases of an operation on one record name a real
# one, so its body reaches the service instead of stopping at "no such record".
KNOWN: dict[str, list[Any]] = {}


def _record_ids(folder: Path) -> dict[str, list[Any]]:
    columns: dict[str, Any] = {
        "control_id": ControlRow.control_id,
        "audit_id": InternalAuditRow.audit_id,
        "review_id": ManagementReviewRow.review_id,
        "nc_id": NonconformityRow.nc_id,
        "risk_id": RiskRow.risk_id,
        "ref": SoaEntryRow.ref,
        "evidence_id": EvidenceRow.id,
        "email": UserRow.email,
    }
    opened = open_workspace(folder)
    try:
        with session_scope(opened.engine) as session:
            found = {name: sorted(set(session.scalars(select(c)))) for name, c in columns.items()}
            tags = sorted({f"{t.framework}:{t.ref}" for t in session.scalars(select(TagRow))})
    finally:
        opened.close()
    return {**found, "key": tags, "requirement": tags}


def flatmap_path_parameters(_context: Any, generated: dict[str, Any] | None) -> Any:
    names = [name for name in generated or () if KNOWN.get(name)]
    if not names:
        return st.just(generated)
    real = st.fixed_dictionaries({name: st.sampled_from(KNOWN[name]) for name in names})
    return st.one_of(st.just(generated), real.map(lambda ids: {**(generated or {}), **ids}))


for _schema_ in (THOROUGH, GENERATED):
    _schema_.hook(flatmap_path_parameters)

NO_WINDOW = "auditor-no-window@audit.example"
ACCOUNTS = {role: email for role, (email, _, _) in USERS.items()}
ACCOUNTS["auditor_no_window"] = NO_WINDOW  # an auditor before an admin set a window: no evidence


@dataclass
class Fuzzed:
    """One role's client, signed in to its own workspace, and the cases it sent."""

    role: str
    email: str
    client: ASGIClient
    cases: Counter[str] = field(default_factory=Counter)


def _sign_in(client: ASGIClient, email: str) -> str:
    """Through the sign-in form, as a person would; returns the session's CSRF token."""
    form = client.get("/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token, "the sign-in form carries a CSRF token"
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": token.group(1)},
        allow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    csrf: str = client.get("/api/session").json()["csrf_token"]
    return csrf


def _signed_in(
    role: str, request: pytest.FixtureRequest, template: Path, tmp: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    """A fresh copy of the demo workspace for ``role``, its app, and a client signed in."""
    from crosswalk.services.access.users import add_user

    folder = tmp.mktemp(f"fuzz-{role}") / "northwind"
    shutil.copytree(template, folder)
    KNOWN.update(_record_ids(folder))
    if role == "auditor_no_window":
        opened = open_workspace(folder)
        try:
            with session_scope(opened.engine, actor="test-setup") as session:
                add_user(session, NO_WINDOW, "auditor", PASSWORD, name="no window")
                session.commit()
        finally:
            opened.close()
    app = create_app(WebSettings(workspace=folder, today=DEMO_TODAY))
    try:
        with ASGIClient(app) as client:
            client.headers["X-CSRF-Token"] = _sign_in(client, ACCOUNTS[role])
            assert client.get("/api/openapi.json").json() == OPENAPI
            fuzzed = Fuzzed(role, ACCOUNTS[role], client)
            yield fuzzed
    finally:
        shutdown_lifespans()  # closes the workspace
    # What ran, for the record (bench/bench_fuzz.py prints these lines).
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if capture is not None and fuzzed.cases:
        with capture.global_and_fixture_disabled():
            print(
                f"\napi fuzz as {role}: {len(fuzzed.cases)} operations, "
                f"{sum(fuzzed.cases.values())} cases"
            )


@pytest.fixture(scope="module")
def admin(
    request: pytest.FixtureRequest, web_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    yield from _signed_in("admin", request, web_template, tmp_path_factory)


@pytest.fixture(scope="module", params=sorted(set(ACCOUNTS) - {"admin"}))
def other_role(
    request: pytest.FixtureRequest, web_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Fuzzed]:
    yield from _signed_in(request.param, request, web_template, tmp_path_factory)


def _send(case: Any, fuzzed: Fuzzed) -> None:
    # The fuzzer's own account stays as it is: a new password, role or active flag would
    # end or narrow the session the rest of the run needs (other accounts are fair game).
    assume(case.path_parameters is None or case.path_parameters.get("email") != fuzzed.email)
    fuzzed.cases[case.operation.label] += 1
    case.call_and_validate(session=fuzzed.client, checks=CHECKS)


@fuzz
@THOROUGH.parametrize()
@settings(fuzz_settings, max_examples=API_EXAMPLES)
def test_api_as_admin_answers_as_documented(case: Any, admin: Fuzzed) -> None:
    _send(case, admin)


@fuzz
@GENERATED.parametrize()
@settings(fuzz_settings, max_examples=API_EXAMPLES)
def test_api_as_every_other_role_answers_as_documented(case: Any, other_role: Fuzzed) -> None:
    _send(case, other_role)
