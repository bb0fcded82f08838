"""The control library in the browser's terms: filters that agree with the CLI, edits that
persist and reach the audit trail under the editor's name, tags, and who may change what."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crosswalk.catalogs.loader import Library
from crosswalk.services.controls.controls import list_controls
from crosswalk.services.evidence.freshness import (
    EVENT_DRIVEN,
    NEVER,
    NO_FREQUENCY,
    STALE,
    control_freshness,
)
from crosswalk.services.evidence.trail import list_entries
from crosswalk.store.models import AuditRow
from tests.conftest import DEMO_TODAY
from tests.web.conftest import AUDIT_WINDOW, OWNER_NAME, USERS, SignedIn, WebWorkspace

T = TypeVar("T")
DANAS = "NW-AC-04"  # Password policy, owned by Dana Ortiz (IT Manager)
SVENS = "NW-AC-07"  # Just-in-time privileged access, owned by Sven Lindqvist (SRE Lead)


def _read(web: WebWorkspace, query: Callable[[Session], T]) -> T:
    """What the CLI would see: the services over the same workspace, outside the app."""
    with web.session() as session:
        return query(session)


def _last_entry(session: Session) -> int:
    return int(session.scalar(select(func.max(AuditRow.id))) or 0)


def _ids(payload: dict[str, Any]) -> list[str]:
    return [c["control_id"] for c in payload["controls"]]


def _form_post(user: SignedIn, page_url: str, form_id: str, action: str, **fields: str) -> Any:
    """Submit a form as the page renders it: its action, its own CSRF token."""
    page = user.http.get(page_url).text
    form = re.search(rf'<form[^>]*id="{form_id}".*?</form>', page, re.S)
    assert form, f"the page shows form #{form_id}"
    assert f'action="{action}"' in form.group(0)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(0))
    assert token and token.group(1) == user.csrf, "the form carries the session's CSRF token"
    return user.http.post(
        action, data={"csrf_token": token.group(1), **fields}, follow_redirects=False
    )


def _edit(user: SignedIn, control_id: str, **fields: str) -> Any:
    return _form_post(
        user, f"/controls/{control_id}", "edit-control", f"/controls/{control_id}", **fields
    )


def _control(user: SignedIn, control_id: str) -> dict[str, Any]:
    response = user.http.get(f"/api/controls/{control_id}")
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_filters_agree_with_the_cli(web: WebWorkspace, library: Library) -> None:
    http = web.client("editor").http
    everything = http.get("/api/controls").json()
    assert everything["total"] == 71 and len(everything["controls"]) == 71

    danas = http.get("/api/controls", params={"owner": "dana"}).json()
    cli_danas = _read(web, lambda s: [r.control_id for r in list_controls(s, owner="dana")])
    assert _ids(danas) == cli_danas and len(cli_danas) == 8
    assert {c["owner"] for c in danas["controls"]} == {OWNER_NAME}

    stale = http.get("/api/controls", params={"stale": "1"}).json()
    cli_stale = _read(
        web,
        lambda s: [
            f.control_id
            for f in control_freshness(s, library, DEMO_TODAY)
            if not f.fresh  # the evidence page's "stale or never evidenced", one rule
        ],
    )
    assert _ids(stale) == cli_stale and 0 < len(cli_stale) < 71
    assert {c["freshness"] for c in stale["controls"]} <= {STALE, NEVER, EVENT_DRIVEN, NO_FREQUENCY}
    assert all(
        c["last_performed"] is None for c in stale["controls"] if c["freshness"] == EVENT_DRIVEN
    )

    both = http.get("/api/controls", params={"owner": "dana", "stale": "1"}).json()
    assert _ids(both) == [i for i in cli_stale if i in cli_danas]


def test_framework_filter_tagged_or_reaching(web: WebWorkspace) -> None:
    http = web.client("editor").http
    soc2 = http.get(
        "/api/controls", params={"framework": "soc2-tsc-2017", "tagged_only": "true"}
    ).json()
    cli_soc2 = _read(
        web, lambda s: [r.control_id for r in list_controls(s, framework="soc2-tsc-2017")]
    )
    assert _ids(soc2) == cli_soc2
    # The demo tags nothing to ISO directly (the CLI lists none), yet its SOC 2 controls
    # reach ISO through the crosswalk: the default filter keeps those.
    iso_tagged = http.get(
        "/api/controls", params={"framework": "iso27001-2022", "tagged_only": "true"}
    ).json()
    assert (
        _ids(iso_tagged)
        == []
        == _read(web, lambda s: [r.control_id for r in list_controls(s, framework="iso27001-2022")])
    )
    iso = http.get("/api/controls", params={"framework": "iso27001-2022"}).json()
    assert DANAS in _ids(iso)
    assert all("iso27001-2022" in c["reaches"] for c in iso["controls"])
    gdpr = http.get("/api/controls", params={"framework": "gdpr"}).json()
    assert _ids(gdpr) == []  # no control reaches GDPR: no SOC 2 -> GDPR mapping set
    page = http.get("/controls", params={"owner": OWNER_NAME, "stale": "1"})
    assert page.status_code == 200
    rows = re.findall(r'<tr data-control="([^"]+)"', page.text)
    assert rows == _ids(
        http.get("/api/controls", params={"owner": OWNER_NAME, "stale": "1"}).json()
    )
    ambiguous = http.get("/api/controls", params={"framework": "iso"})
    assert ambiguous.status_code == 400 and "iso27001-2013" in ambiguous.json()["detail"]
    bad = http.get("/api/controls", params={"status": "sometimes"})
    assert bad.status_code == 400 and "status" in bad.json()["detail"]


def test_editor_edits_a_control_it_persists_and_the_trail_names_the_editor(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    before = _control(editor, DANAS)["control"]["detail"]
    assert before["status"] == "operating" and before["frequency"] == "continuous"
    response = _edit(
        editor,
        DANAS,
        title="Password and passphrase policy",
        description=before["description"].replace("\n", "\r\n"),  # as a browser posts it
        owner=before["owner"],
        status="implemented",
        frequency="Quarterly",
    )
    assert response.status_code == 303
    assert response.headers["location"].startswith(f"/controls/{DANAS}?notice=")
    shown = editor.http.get(response.headers["location"])
    assert "Saved title, status, frequency" in shown.text
    assert '<span id="control-title">Password and passphrase policy</span>' in shown.text
    after = _control(editor, DANAS)["control"]["detail"]
    assert after["title"] == "Password and passphrase policy"
    assert after["status"] == "implemented"
    assert after["frequency"] == "quarterly"
    assert after["description"] == before["description"]  # only line endings differed
    entries = _read(web, lambda s: list_entries(s, entity="control"))
    mine = [e for e in entries if e.entity_key == DANAS and e.actor == USERS["editor"][0]]
    assert mine, "the change is in the audit trail under the editor's email"
    assert "Password and passphrase policy" in (mine[-1].after or "")
    # Saving the untouched form changes nothing and records nothing.
    last = _read(web, _last_entry)
    again = _edit(
        editor,
        DANAS,
        title=after["title"],
        description=after["description"],
        owner=after["owner"],
        status=after["status"],
        frequency=after["frequency"],
    )
    assert again.status_code == 303 and "Nothing%20changed" in again.headers["location"]
    assert _read(web, _last_entry) == last


def test_patch_api_changes_only_what_is_sent(web: WebWorkspace) -> None:
    editor = web.client("editor")
    response = editor.http.patch(
        f"/api/controls/{DANAS}", json={"owner": "Jonas Weber"}, headers=editor.headers()
    )
    assert response.status_code == 200, response.text
    assert response.json()["changed"] == ["owner"]
    after = _control(editor, DANAS)["control"]["detail"]
    assert after["owner"] == "Jonas Weber" and after["title"] == "Password policy"
    no_token = editor.http.patch(f"/api/controls/{DANAS}", json={"title": "x"})
    assert no_token.status_code == 403
    unknown = editor.http.patch(
        "/api/controls/NW-NOPE-99", json={"title": "x"}, headers=editor.headers()
    )
    assert unknown.status_code == 400 and "NW-NOPE-99" in unknown.json()["detail"]


def test_invalid_status_is_refused_naming_the_field(web: WebWorkspace) -> None:
    editor = web.client("editor")
    api = editor.http.patch(
        f"/api/controls/{DANAS}", json={"status": "sometimes"}, headers=editor.headers()
    )
    assert api.status_code == 400
    assert api.json()["detail"].startswith("status 'sometimes' is not a status")
    frequency = editor.http.patch(
        f"/api/controls/{DANAS}", json={"frequency": "whenever"}, headers=editor.headers()
    )
    assert frequency.status_code == 400 and "frequency" in frequency.json()["detail"]
    form = _edit(editor, DANAS, title="Kept as typed", status="sometimes")
    assert form.status_code == 400
    assert "status &#39;sometimes&#39; is not a status" in form.text
    assert 'value="Kept as typed"' in form.text  # the user keeps what they typed
    detail = _control(editor, DANAS)["control"]["detail"]
    assert detail["status"] == "operating" and detail["title"] == "Password policy"


def test_tag_and_untag_round_trip(web: WebWorkspace) -> None:
    editor = web.client("editor")
    action = f"/controls/{DANAS}/tags"
    tagged = _form_post(
        editor, f"/controls/{DANAS}", "tag-control", action, requirement="5.15", coverage="partial"
    )
    assert tagged.status_code == 303
    page = _control(editor, DANAS)["control"]
    assert {"requirement": "iso27001-2022:A.5.15", "coverage": "partial"}.items() <= next(
        t for t in page["detail"]["tags"] if t["requirement"] == "iso27001-2022:A.5.15"
    ).items()
    direct = [r for r in page["reach"] if r["target"] == "iso27001-2022:A.5.15"]
    assert any(r["relationship"] is None and r["gives"] == "partial" for r in direct)
    html = editor.http.get(f"/controls/{DANAS}").text
    untag = re.search(
        r'<form[^>]*action="/controls/NW-AC-04/tags/delete".*?value="(iso27001-2022:A.5.15)"',
        html,
        re.S,
    )
    assert untag, "each tag has a remove button"
    removed = editor.post(f"{action}/delete", data={"requirement": untag.group(1)})
    assert removed.status_code == 303
    keys = [t["requirement"] for t in _control(editor, DANAS)["control"]["detail"]["tags"]]
    assert keys == ["soc2-tsc-2017:CC6.1"]

    api = editor.http.post(
        f"/api/controls/{DANAS}/tags",
        json={"requirement": "cc6.6", "coverage": "full"},
        headers=editor.headers(),
    )
    assert api.status_code == 200 and api.json()["tagged"] == ["soc2-tsc-2017:CC6.6"]
    gone = editor.http.delete(
        f"/api/controls/{DANAS}/tags/soc2-tsc-2017:CC6.6", headers=editor.headers()
    )
    assert gone.status_code == 200 and gone.json()["untagged"] == ["soc2-tsc-2017:CC6.6"]
    keys = [t["requirement"] for t in _control(editor, DANAS)["control"]["detail"]["tags"]]
    assert keys == ["soc2-tsc-2017:CC6.1"]
    unknown = editor.post(action, data={"requirement": "A.5.155", "coverage": "full"})
    assert unknown.status_code == 400 and "A.5.15" in unknown.text  # did you mean
    trail = _read(web, lambda s: list_entries(s, entity="control_tag"))
    assert {e.action for e in trail if e.entity_key.startswith(DANAS)} >= {"create", "delete"}


def test_control_owner_edits_own_controls_only(web: WebWorkspace) -> None:
    dana = web.client("control_owner")
    own = _edit(dana, DANAS, title="Password policy (Okta)", status="operating")
    assert own.status_code == 303
    assert _control(dana, DANAS)["control"]["detail"]["title"] == "Password policy (Okta)"
    patched = dana.http.patch(
        f"/api/controls/{DANAS}", json={"frequency": "daily"}, headers=dana.headers()
    )
    assert patched.status_code == 200 and patched.json()["changed"] == [
        "frequency",
        "frequency_text",
    ]
    assert _control(dana, DANAS)["can_edit"] is True

    svens = dana.http.get(f"/controls/{SVENS}")
    assert svens.status_code == 200 and 'id="edit-control"' not in svens.text
    assert 'id="tag-control"' not in svens.text
    assert _control(dana, SVENS)["can_edit"] is False
    form = dana.post(f"/controls/{SVENS}", data={"title": "Taken over"})
    assert form.status_code == 403
    assert "owned by Sven Lindqvist (SRE Lead)" in form.text
    api = dana.http.patch(
        f"/api/controls/{SVENS}", json={"title": "Taken over"}, headers=dana.headers()
    )
    assert api.status_code == 403
    tag = dana.http.post(
        f"/api/controls/{SVENS}/tags", json={"requirement": "CC6.1"}, headers=dana.headers()
    )
    assert tag.status_code == 403
    assert _control(dana, SVENS)["control"]["detail"]["title"] != "Taken over"


def test_auditor_reads_without_edit_forms_and_cannot_write(web: WebWorkspace) -> None:
    auditor = web.client("auditor")
    page = auditor.http.get(f"/controls/{DANAS}")
    assert page.status_code == 200
    assert "Password policy" in page.text
    assert 'id="edit-control"' not in page.text and 'id="tag-control"' not in page.text
    assert "/tags/delete" not in page.text
    patch = auditor.http.patch(
        f"/api/controls/{DANAS}", json={"title": "x"}, headers=auditor.headers()
    )
    assert patch.status_code == 403
    assert auditor.post(f"/controls/{DANAS}", data={"title": "x"}).status_code == 403
    data = _control(auditor, DANAS)
    assert data["can_edit"] is False
    start, end = (d.isoformat() for d in AUDIT_WINDOW)
    for item in data["control"]["evidence"]:  # only evidence inside the auditor's window
        assert item["performed_start"] <= end and item["performed_end"] >= start
    editor_view = _control(web.client("editor"), DANAS)["control"]
    assert (
        len(editor_view["evidence"])
        == len(data["control"]["evidence"]) + data["control"]["evidence_hidden"]
    )
    assert data["control"]["evidence_hidden"] > 0


def test_the_control_list_comes_a_page_at_a_time(web: WebWorkspace) -> None:
    editor = web.client("editor")
    everything = editor.http.get("/api/controls", params={"per_page": 5000}).json()
    first = editor.http.get("/api/controls", params={"per_page": 20}).json()
    second = editor.http.get("/api/controls", params={"per_page": 20, "page": 2}).json()
    assert first["matched"] == everything["matched"] == len(everything["controls"]) == 71
    assert first["pages"] == 4
    ids = [c["control_id"] for c in everything["controls"]]
    assert [c["control_id"] for c in first["controls"]] == ids[:20]
    assert [c["control_id"] for c in second["controls"]] == ids[20:40]
    page = editor.http.get("/controls", params={"owner": "Priya Raman (CISO)", "page": 1})
    assert page.status_code == 200
    assert editor.http.get("/api/controls", params={"per_page": 0}).status_code == 422


def test_what_users_type_is_shown_as_text_never_run(web: WebWorkspace) -> None:
    editor = web.client("editor")
    script = "<script>alert(1)</script>"
    changed = editor.http.patch(
        f"/api/controls/{DANAS}", json={"title": script}, headers=editor.headers()
    )
    assert changed.status_code == 200, changed.text
    for url in (f"/controls/{DANAS}", "/controls", "/explorer/soc2-tsc-2017:CC6.1"):
        page = editor.http.get(url, params={"all_controls": "true"}).text
        assert script not in page, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, url


def test_retire_from_the_control_page_and_restore_it(web: WebWorkspace) -> None:
    editor = web.client("editor")
    listed = _ids(editor.http.get("/api/controls", params={"per_page": "5000"}).json())
    assert DANAS in listed
    refused = _form_post(
        editor, f"/controls/{DANAS}", "retire-control", f"/controls/{DANAS}/retire", reason=""
    )
    assert refused.status_code == 400 and "needs a reason" in refused.text
    done = _form_post(
        editor,
        f"/controls/{DANAS}",
        "retire-control",
        f"/controls/{DANAS}/retire",
        reason="moved to Okta policies",
        on=DEMO_TODAY.isoformat(),
    )
    assert done.status_code == 303
    after = editor.http.get("/api/controls", params={"per_page": "5000"}).json()
    assert DANAS not in _ids(after) and after["total"] == len(listed) - 1
    page = editor.http.get(f"/controls/{DANAS}").text
    assert 'id="retired"' in page and "moved to Okta policies" in page
    assert _read(web, lambda s: [c.control_id for c in list_controls(s, retired=True)]) == [DANAS]
    restored = editor.http.post(f"/api/controls/{DANAS}/restore", headers=editor.headers())
    assert restored.status_code == 200, restored.text
    assert DANAS in _ids(editor.http.get("/api/controls", params={"per_page": "5000"}).json())
    auditor = web.client("auditor")
    forbidden = auditor.http.post(
        f"/api/controls/{DANAS}/retire", json={"reason": "x"}, headers=auditor.headers()
    )
    assert forbidden.status_code == 403


def test_a_control_whose_id_has_a_slash_is_reached_like_any_other(web: WebWorkspace) -> None:
    from urllib.parse import quote

    from crosswalk.services.controls.controls import ControlInput, add_control

    with web.session() as session:
        add_control(session, ControlInput("IT/AC-01", "Access review"))
        session.commit()
    editor = web.client("editor")
    url = "/controls/" + quote("IT/AC-01", safe="")
    page = editor.http.get(url)
    assert page.status_code == 200 and "IT/AC-01" in page.text
    assert editor.http.get("/api" + url).json()["control"]["detail"]["control_id"] == "IT/AC-01"
    tagged = editor.http.post(
        "/api" + url + "/tags", json={"requirement": "iso27001-2022:A.5.18"},
        headers=editor.headers(),
    )  # fmt: skip
    assert tagged.status_code == 200 and tagged.json()["tagged"] == ["iso27001-2022:A.5.18"]
    edited = _form_post(editor, url, "edit-control", url, title="Quarterly access review")
    assert edited.status_code == 303
    assert _control(editor, "IT/AC-01")["control"]["detail"]["title"] == "Quarterly access review"


def test_a_control_named_in_superscript_digits_is_followed_like_any_other(
    web: WebWorkspace,
) -> None:
    """The live program read a tag's control id as a primary key when ``str.isdigit`` said
    so: "¹" is such a digit, ``int`` refuses it, and every page failed after its tag."""
    from urllib.parse import quote

    from crosswalk.services.controls.controls import ControlInput, add_control

    with web.session() as session:
        add_control(session, ControlInput("¹", "Footnote control"))
        session.commit()
    editor = web.client("editor")
    assert editor.http.get("/api/dashboard").status_code == 200  # the state is built first
    tagged = editor.http.post(
        "/api/controls/" + quote("¹") + "/tags",
        json={"requirement": "iso27001-2022:A.5.18"},
        headers=editor.headers(),
    )
    assert tagged.status_code == 200, tagged.text
    for path in ("/api/dashboard", "/", "/controls", "/api/controls"):
        assert editor.http.get(path).status_code == 200, path
    assert "iso27001-2022:A.5.18" in _control(editor, "¹")["control"]["detail"]["tags"][0].values()
