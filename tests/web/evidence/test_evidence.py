"""Evidence in the web app: upload (and every refusal), links, downloads, verification,
and what an auditor may see, over a real copy of the demo workspace."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from crosswalk.services.evidence.trail import list_entries
from crosswalk.store.auth_models import UserRow
from crosswalk.store.models import EvidenceRow
from crosswalk.web.app import create_app
from tests.web.conftest import AUDIT_WINDOW, USERS, SignedIn, WebWorkspace, sign_in

# Dana's termination control: operating, event-driven, and without evidence in the demo, so
# ISO A.7.14 (secure disposal or re-use of equipment) is only partial for lack of evidence.
CONTROL = "NW-AC-06"
ISO_REF = "A.7.14"
OTHER_OWNERS_CONTROL = "NW-HR-01"  # Leah Goldberg's


def stored_files(web: WebWorkspace) -> set[str]:
    root = web.folder / "evidence"
    return {p.name for p in root.glob("*/*/*") if p.is_file() and not p.parts[-3].startswith(".")}


def evidence_count(web: WebWorkspace) -> int:
    with web.session() as session:
        return len(list(session.scalars(select(EvidenceRow.id))))


def upload(
    client: SignedIn,
    name: str = "termination-checklist.txt",
    content: bytes = b"Leaver checklist: laptop wiped, accounts disabled\n",
    controls: tuple[str, ...] = (CONTROL,),
    url: str = "/evidence",
    **fields: str,
) -> Any:
    data = {
        "title": "Leaver checklist, November",
        "performed_start": "2026-11-20",
        "performed_end": "2026-11-20",
        "controls": list(controls),
        **fields,
    }
    if url.startswith("/api/"):
        return client.http.post(
            url, data=data, files={"file": (name, content, "text/plain")}, headers=client.headers()
        )
    return client.post(url, data=data, files={"file": (name, content, "text/plain")})


def raw_upload(client: SignedIn, filename: bytes, content: bytes = b"hello\n") -> Any:
    """A multipart body built by hand, so the server gets exactly this file name."""
    boundary = "crosswalk-test-boundary"
    parts = [
        (b'name="csrf_token"', client.csrf.encode()),
        (b'name="controls"', CONTROL.encode()),
        (b'name="title"', b"raw"),
    ]
    body = b""
    for disposition, value in parts:
        body += (
            f"--{boundary}\r\n".encode()
            + b"Content-Disposition: form-data; "
            + disposition
            + b"\r\n\r\n"
            + value
            + b"\r\n"
        )
    body += (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + filename
        + b'"\r\nContent-Type: text/plain\r\n\r\n'
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return client.http.post(
        "/evidence",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
        follow_redirects=False,
    )


def api_evidence(client: SignedIn) -> list[dict[str, Any]]:
    response = client.http.get("/api/evidence")
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["evidence"]
    return items


def iso_verdict(client: SignedIn, ref: str = ISO_REF) -> dict[str, Any]:
    report = client.http.get("/api/gap").json()
    return next(v for v in report["annex_a"] if v["ref"] == ref)


# --- uploading ---------------------------------------------------------------------------


def test_editor_uploads_a_file_that_is_stored_once_linked_and_attributed(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    content = b"Leaver checklist: laptop wiped, accounts disabled\n"
    digest = hashlib.sha256(content).hexdigest()
    before = evidence_count(web)

    response = upload(editor, content=content)

    assert response.status_code == 303
    assert response.headers["location"].startswith("/evidence?notice=")
    assert evidence_count(web) == before + 1
    item = next(i for i in api_evidence(editor) if i["sha256"] == digest)
    assert item["title"] == "Leaver checklist, November"
    assert item["controls"] == [CONTROL]
    assert item["filename"] == "termination-checklist.txt"
    assert item["size"] == len(content)
    assert item["performed"] == "2026-11-20"
    assert item["collected_by"] == USERS["editor"][0]
    blob = web.folder / "evidence" / digest[:2] / digest[2:4] / digest
    assert blob.read_bytes() == content
    with web.session() as session:
        entry = next(e for e in reversed(list_entries(session, entity="evidence")))
    assert entry.actor == USERS["editor"][0]
    assert entry.action == "create"
    assert "Leaver checklist, November" in (entry.after or "")

    page = editor.http.get(response.headers["location"])
    assert "stored" in page.text and CONTROL in page.text
    assert f'href="/evidence/{item["id"]}"' in page.text

    download = editor.http.get(f"/evidence/{item['id']}/download")
    assert download.status_code == 200
    assert download.content == content
    disposition = download.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="termination-checklist.txt"')


def test_the_upload_form_is_a_dropzone_with_the_fields_the_browser_test_uses(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    page = editor.http.get("/evidence").text
    assert 'id="upload-evidence"' in page
    form = page.split('id="upload-evidence"')[1].split("</form>")[0]
    assert f'name="csrf_token" value="{editor.csrf}"' in form  # the page posts its own token
    assert 'enctype="multipart/form-data"' in page
    assert 'class="dropzone" data-input="evidence-file"' in page
    assert re.search(r'<input type="file" name="file" id="evidence-file"', page)
    for field in ("title", "performed_start", "performed_end", "controls", "kind"):
        assert f'name="{field}"' in page
    assert f'value="{date(2026, 11, 27)}"' in page  # performed dates default to today


def test_uploaded_evidence_counts_for_the_iso_control_it_reaches(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before = iso_verdict(editor)
    assert before["verdict"] == "partial"
    freshness = editor.http.get("/api/evidence").json()["freshness"]
    assert sum(freshness["counts"].values()) == 71  # every control of the demo, once
    assert CONTROL in [c["control_id"] for c in freshness["stale"]]  # needs evidence
    assert any(CONTROL in reason and "fresh" in reason for reason in before["why_not_higher"])

    response = upload(editor, url="/api/evidence")

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["controls"] == [CONTROL]
    # CC6.5 (superset_of, strength 9) now has NW-AC-06 operating with fresh evidence; its other
    # control, NW-OPS-12, is on paper, so the criterion-level claim is "likely", not covered.
    after = iso_verdict(editor)
    assert after["verdict"] == "likely"
    assert any("NW-OPS-12 (on paper)" in reason for reason in after["why_not_higher"])
    freshness = editor.http.get("/api/evidence").json()["freshness"]
    assert CONTROL not in [c["control_id"] for c in freshness["stale"]]
    detail = editor.http.get(f"/api/evidence/{created['id']}").json()
    reach = next(r for r in detail["reaches"] if r["key"] == f"iso27001-2022:{ISO_REF}")
    assert reach["verdict"] == "likely"
    assert reach["controls"] == [CONTROL]
    page = editor.http.get(f"/evidence/{created['id']}").text
    assert 'id="reaches"' in page
    assert f'data-key="iso27001-2022:{ISO_REF}" data-verdict="likely"' in page
    gap = editor.http.get("/gap").text
    assert f'data-ref="{ISO_REF}" data-verdict="likely"' in gap


def test_linking_fresh_evidence_also_counts_and_unlinking_takes_it_back(
    web: WebWorkspace,
) -> None:
    editor = web.client("editor")
    fresh = next(i for i in api_evidence(editor) if i["performed_end"] >= "2026-11-01")
    assert iso_verdict(editor)["verdict"] == "partial"

    linked = editor.http.post(
        f"/api/evidence/{fresh['id']}/links",
        json={"controls": [CONTROL]},
        headers=editor.headers(),
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["changed"] == [CONTROL]
    assert CONTROL in linked.json()["controls"]
    assert iso_verdict(editor)["verdict"] == "likely"  # NW-OPS-12, also under CC6.5, on paper

    removed = editor.http.delete(
        f"/api/evidence/{fresh['id']}/links/{CONTROL}", headers=editor.headers()
    )
    assert removed.status_code == 200
    assert CONTROL not in removed.json()["controls"]
    assert iso_verdict(editor)["verdict"] == "partial"

    last = fresh["controls"][0]
    refused = editor.http.delete(
        f"/api/evidence/{fresh['id']}/links/{last}", headers=editor.headers()
    )
    assert refused.status_code == 400
    assert "would support no control" in refused.json()["detail"]


def test_link_and_unlink_forms_redirect_back_with_a_notice(web: WebWorkspace) -> None:
    editor = web.client("editor")
    target = api_evidence(editor)[0]
    page = editor.http.get(f"/evidence/{target['id']}").text
    form = page.split('id="link-evidence"')[1].split("</form>")[0]
    assert f'name="csrf_token" value="{editor.csrf}"' in form
    assert f'<option value="{CONTROL}">' in form
    linked = editor.post(f"/evidence/{target['id']}/links", data={"controls": [CONTROL]})
    assert linked.status_code == 303
    assert linked.headers["location"].startswith(f"/evidence/{target['id']}?notice=Linked")
    assert (
        CONTROL in editor.http.get(f"/api/evidence/{target['id']}").json()["evidence"]["controls"]
    )
    unlinked = editor.post(f"/evidence/{target['id']}/links/delete", data={"controls": CONTROL})
    assert unlinked.status_code == 303
    assert (
        CONTROL
        not in editor.http.get(f"/api/evidence/{target['id']}").json()["evidence"]["controls"]
    )


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b.pdf", "..\\x.pdf", "..", ".env.pdf"])
def test_path_like_file_names_are_refused_and_nothing_is_stored(
    web: WebWorkspace, name: str
) -> None:
    editor = web.client("editor")
    rows, files = evidence_count(web), stored_files(web)

    form = raw_upload(editor, name.replace("\\", "\\\\").encode())
    api = upload(editor, name=name, url="/api/evidence")

    assert form.status_code == 400
    assert 'id="upload-evidence"' in form.text  # the page again, with the error
    assert api.status_code == 400
    assert "rename the file" in api.json()["detail"] or "path" in api.json()["detail"]
    assert evidence_count(web) == rows
    assert stored_files(web) == files


@pytest.mark.parametrize("name", [b"bad\x01name.pdf", b"tab\tname.pdf", b""])
def test_control_characters_and_empty_names_are_refused(web: WebWorkspace, name: bytes) -> None:
    editor = web.client("editor")
    rows, files = evidence_count(web), stored_files(web)
    response = raw_upload(editor, name)
    assert response.status_code == 400
    assert evidence_count(web) == rows
    assert stored_files(web) == files


@pytest.mark.parametrize("name", ["tool.exe", "page.html", "script.svg", "README"])
def test_files_outside_the_evidence_formats_are_refused_with_415(
    web: WebWorkspace, name: str
) -> None:
    editor = web.client("editor")
    rows, files = evidence_count(web), stored_files(web)
    form = upload(editor, name=name)
    api = upload(editor, name=name, url="/api/evidence")
    assert form.status_code == 415
    assert "not an evidence format" in form.text
    assert api.status_code == 415
    assert "pdf" in api.json()["detail"]
    assert evidence_count(web) == rows
    assert stored_files(web) == files


def test_an_upload_over_the_limit_is_refused_with_413(web: WebWorkspace) -> None:
    settings = replace(web.settings, max_upload_bytes=1024)
    with TestClient(create_app(settings)) as http:
        sign_in(http, USERS["editor"][0])
        csrf = http.get("/api/session").json()["csrf_token"]
        client = SignedIn(http, csrf, "editor")
        rows, files = evidence_count(web), stored_files(web)

        too_big = upload(client, name="big.txt", content=b"x" * 5000)
        through_api = upload(client, name="big.txt", content=b"x" * 5000, url="/api/evidence")
        fits = upload(client, name="small.txt", content=b"x" * 1000)

    assert too_big.status_code == 413
    assert "limit" in too_big.text
    assert through_api.status_code == 413
    assert "1,024 bytes" in through_api.json()["detail"]
    assert fits.status_code == 303
    assert evidence_count(web) == rows + 1
    assert len(stored_files(web)) == len(files) + 1


def test_a_control_owner_adds_evidence_only_to_their_own_controls(web: WebWorkspace) -> None:
    dana = web.client("control_owner")
    page = dana.http.get("/evidence").text
    choices = page.split('id="evidence-control-choices"')[1].split("</datalist>")[0]
    assert f'value="{CONTROL}"' in choices
    assert f'value="{OTHER_OWNERS_CONTROL}"' not in choices

    own = upload(dana, content=b"Dana's own evidence\n")
    assert own.status_code == 303
    rows, files = evidence_count(web), stored_files(web)

    mixed = upload(dana, content=b"not Dana's\n", controls=(CONTROL, OTHER_OWNERS_CONTROL))
    via_api = upload(
        dana, content=b"not Dana's\n", controls=(OTHER_OWNERS_CONTROL,), url="/api/evidence"
    )

    assert mixed.status_code == 403
    assert "Leah Goldberg" in mixed.text
    assert via_api.status_code == 403
    assert evidence_count(web) == rows
    assert stored_files(web) == files

    mine = next(i for i in api_evidence(dana) if i["controls"] == [CONTROL])
    link = dana.http.post(
        f"/api/evidence/{mine['id']}/links",
        json={"controls": [OTHER_OWNERS_CONTROL]},
        headers=dana.headers(),
    )
    assert link.status_code == 403
    assert dana.http.get(f"/api/evidence/{mine['id']}").json()["evidence"]["controls"] == [CONTROL]


def test_writes_need_the_csrf_token_and_auditors_never_upload(web: WebWorkspace) -> None:
    editor = web.client("editor")
    rows = evidence_count(web)
    forged = editor.http.post(
        "/api/evidence",
        data={"controls": CONTROL},
        files={"file": ("a.txt", b"a", "text/plain")},
    )
    assert forged.status_code == 403
    auditor = web.client("auditor")
    refused = upload(auditor, url="/api/evidence")
    assert refused.status_code == 403
    assert 'id="upload-evidence"' not in auditor.http.get("/evidence").text
    assert evidence_count(web) == rows


# --- what auditors see ---------------------------------------------------------------------


def _in_window(item: dict[str, Any]) -> bool:
    start, end = (str(d) for d in AUDIT_WINDOW)
    return bool(item["performed_start"] <= end and item["performed_end"] >= start)


def test_an_auditor_sees_only_evidence_inside_their_window(web: WebWorkspace) -> None:
    everything = api_evidence(web.client("editor"))
    inside = [i for i in everything if _in_window(i)]
    outside = [i for i in everything if not _in_window(i)]
    assert inside and outside

    auditor = web.client("auditor")
    data = auditor.http.get("/api/evidence").json()
    assert sorted(i["id"] for i in data["evidence"]) == sorted(i["id"] for i in inside)
    assert data["freshness"] is None  # it would date evidence outside the window
    assert "2026-01-01..2026-06-30" in data["hidden_reason"]

    page = auditor.http.get("/evidence").text
    assert f'data-evidence="{inside[0]["id"]}"' in page
    assert all(f'data-evidence="{i["id"]}"' not in page for i in outside)

    seen, hidden = inside[0], outside[0]
    assert auditor.http.get(f"/evidence/{seen['id']}/download").status_code == 200
    assert auditor.http.get(f"/evidence/{seen['id']}").status_code == 200
    for url in (
        f"/evidence/{hidden['id']}/download",
        f"/evidence/{hidden['id']}",
        f"/api/evidence/{hidden['id']}",
    ):
        response = auditor.http.get(url)
        assert response.status_code == 403, url
        assert hidden["title"] not in response.text


def _performed(rows: list[dict[str, Any]]) -> dict[str, tuple[Any, Any]]:
    return {row["control_id"]: (row["last_performed"], row["next_due"]) for row in rows}


def test_an_auditor_sees_no_performance_dates_outside_their_window(web: WebWorkspace) -> None:
    """The last performance of a control dates a piece of evidence: outside the window it is
    hidden like the evidence, on the list, the dashboard and the control's page."""
    start, end = "2026-09-01", "2026-11-01"  # the demo's evidence runs up to 2026-11-27
    with web.session() as session:
        user = session.scalars(select(UserRow).where(UserRow.email == USERS["auditor"][0])).one()
        user.window_start, user.window_end = date.fromisoformat(start), date.fromisoformat(end)
        session.commit()
    editor, auditor = web.client("editor"), web.client("auditor")
    query = "/api/controls?per_page=5000"
    everyone = _performed(editor.http.get(query).json()["controls"])
    seen = _performed(auditor.http.get(query).json()["controls"])
    inside = {c for c, (last, _due) in everyone.items() if last and start <= last <= end}
    outside = {c for c, (last, _due) in everyone.items() if last and not start <= last <= end}
    assert inside and outside
    assert all(seen[c] == everyone[c] for c in inside)
    assert all(seen[c] == (None, None) for c in outside)
    assert editor.http.get(query).json()["controls"] != auditor.http.get(query).json()["controls"]
    assert _performed(editor.http.get(query).json()["controls"]) == everyone  # not shared

    hidden = sorted(outside)[0]
    last_hidden = everyone[hidden][0]
    for reader, shown in ((editor, last_hidden), (auditor, None)):
        detail = reader.http.get(f"/api/controls/{hidden}").json()["control"]
        assert detail["last_performed"] == shown
        page = reader.http.get(f"/controls/{hidden}").text
        assert (f"last performed {last_hidden}" in page) is (shown is not None)
    assert f"last {last_hidden}" in editor.http.get("/controls").text
    assert f"last {last_hidden}" not in auditor.http.get("/controls").text

    def dashboard_dates(reader: Any) -> list[Any]:
        answer = reader.http.get("/api/dashboard").json()
        lists = ("due_this_week", "due_this_month", "stale")
        return [last for name in lists for last, _due in _performed(answer[name]).values()]

    assert any(last and not start <= last <= end for last in dashboard_dates(editor))
    assert all(last is None or start <= last <= end for last in dashboard_dates(auditor))


def test_an_auditor_without_a_window_sees_no_evidence_and_is_told_why(web: WebWorkspace) -> None:
    with web.session() as session:
        user = session.scalars(select(UserRow).where(UserRow.email == USERS["auditor"][0])).one()
        user.window_start = None
        user.window_end = None
        session.commit()
    auditor = web.client("auditor")
    data = auditor.http.get("/api/evidence").json()
    assert data["evidence"] == []
    assert "No observation window" in data["hidden_reason"]
    assert "No observation window is set for you" in auditor.http.get("/evidence").text
    some = api_evidence(web.client("editor"))[0]
    assert auditor.http.get(f"/evidence/{some['id']}/download").status_code == 403


# --- verification --------------------------------------------------------------------------


def test_verification_reports_every_file_and_finds_an_altered_one(web: WebWorkspace) -> None:
    editor = web.client("editor")
    everything = api_evidence(editor)
    with_files = [i for i in everything if i["sha256"]]
    report = editor.http.get("/api/evidence/verify").json()
    assert report["checked"] == len(with_files)
    assert report["problems"] == [] and report["intact"] is True
    page = editor.http.get("/evidence").text
    assert f"Verified {len(with_files)} files, 0 problems" in page

    victim = with_files[0]
    sha = victim["sha256"]
    Path(web.folder / "evidence" / sha[:2] / sha[2:4] / sha).write_bytes(b"tampered\n")

    rechecked = editor.http.get("/api/evidence/verify?recheck=true").json()
    assert rechecked["intact"] is False
    assert [(p["problem"], p["evidence"]) for p in rechecked["problems"]] == [
        ("altered", victim["id"])
    ]
    page = editor.http.get("/evidence?recheck=1").text
    assert f"Verified {len(with_files)} files, 1 problems" in page


def test_evidence_detail_lists_links_and_download_for_url_only_evidence_is_404(
    web: WebWorkspace,
) -> None:
    from crosswalk.services.evidence.evidence import EvidenceInput, add_url_evidence

    with web.session() as session:
        session.info["actor"] = "test"
        row = add_url_evidence(
            session,
            "https://status.example/dr-test",
            [CONTROL],
            EvidenceInput("DR test record", performed_start=date(2026, 11, 1)),
        )
        session.commit()
        evidence_id = row.id
    editor = web.client("editor")
    page = editor.http.get(f"/evidence/{evidence_id}")
    assert page.status_code == 200
    assert 'id="linked-controls"' in page.text and CONTROL in page.text
    assert "https://status.example/dr-test" in page.text
    assert editor.http.get(f"/evidence/{evidence_id}/download").status_code == 404
    assert editor.http.get("/evidence/999999").status_code == 404
    assert editor.http.get("/api/evidence/999999").json() == {"detail": "no evidence #999999"}


def test_a_non_ascii_file_name_is_kept_and_safely_quoted_on_download(web: WebWorkspace) -> None:
    editor = web.client("editor")
    created = upload(editor, name="Prüfbericht Q3.pdf", content=b"%PDF-1.4\n", url="/api/evidence")
    assert created.status_code == 201, created.text
    assert created.json()["filename"] == "Prüfbericht Q3.pdf"
    assert created.json()["media_type"] == "application/pdf"
    download = editor.http.get(f"/evidence/{created.json()['id']}/download")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == (
        "attachment; filename=\"Pr_fbericht Q3.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht%20Q3.pdf"
    )


def test_the_control_field_takes_several_ids_typed_in_one_box(web: WebWorkspace) -> None:
    """The picker is a text field with suggestions (no 71-option list): ids separated by
    commas link the evidence to each; an unknown id is named and nothing is stored."""
    editor = web.client("editor")
    page = editor.http.get("/evidence").text
    assert 'list="evidence-control-choices"' in page and '<select name="controls"' not in page
    rows = evidence_count(web)
    refused = upload(editor, controls=(f"{CONTROL}, NW-NOPE-99",))
    assert refused.status_code == 400 and "NW-NOPE-99" in refused.text
    assert evidence_count(web) == rows
    done = upload(editor, controls=(f"{CONTROL}, {OTHER_OWNERS_CONTROL}",))
    assert done.status_code == 303
    newest = max(api_evidence(editor), key=lambda item: item["id"])
    assert set(newest["controls"]) == {CONTROL, OTHER_OWNERS_CONTROL}


# --- evidence by link ------------------------------------------------------------------------


def _link(client: SignedIn, url: str, target: str = "/evidence", **fields: str) -> Any:
    data = {"title": "", "url": url, "controls": CONTROL, "performed_start": "2026-11-20"}
    data.update(fields)
    if target.startswith("/api/"):
        return client.http.post(target, data=data, headers=client.headers())
    return client.post(target, data=data, files={"file": ("", b"", "application/octet-stream")})


def test_an_editor_records_a_link_as_evidence_and_it_counts(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before, files = iso_verdict(editor), stored_files(web)
    answer = _link(editor, "https://tickets.example.com/browse/SEC-77")
    assert answer.status_code == 303, answer.text
    item = next(e for e in api_evidence(editor) if e["url"])
    assert item["kind"] == "url" and item["controls"] == [CONTROL]
    assert item["title"] == "https://tickets.example.com/browse/SEC-77"  # defaulted, and said
    assert stored_files(web) == files  # a link writes nothing to the store
    after = iso_verdict(editor)
    assert after["verdict"] != before["verdict"] or after["why"] != before["why"]
    api_answer = _link(editor, "https://status.example.com/dr", "/api/evidence")
    assert (
        api_answer.status_code == 201
        and api_answer.json()["url"] == "https://status.example.com/dr"
    )


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://files.example.com/x", "https://", "https://a.example/x y",
     "https://a.example/" + "x" * 2001],
)  # fmt: skip
def test_a_bad_link_is_refused_next_to_the_form_and_nothing_is_recorded(
    web: WebWorkspace, url: str
) -> None:
    editor = web.client("editor")
    before = evidence_count(web)
    answer = _link(editor, url)
    assert answer.status_code == 400
    assert 'class="error"' in answer.text or 'role="alert"' in answer.text
    assert evidence_count(web) == before


def test_a_file_and_a_link_together_are_refused(web: WebWorkspace) -> None:
    editor = web.client("editor")
    before = evidence_count(web)
    data = {"url": "https://a.example/x", "controls": CONTROL}
    answer = editor.post("/evidence", data=data, files={"file": ("a.txt", b"a\n", "text/plain")})
    assert answer.status_code == 400 and "not both" in answer.text
    assert evidence_count(web) == before


def test_the_evidence_page_shows_the_first_stale_controls_and_links_to_all_of_them(
    web: WebWorkspace,
) -> None:
    """A program of thousands of controls must not render every stale one on /evidence: the
    first 25, and the controls list (paged, filtered to stale) for all of them."""
    editor = web.client("editor")
    for number in range(30):
        added = editor.http.post(
            "/api/controls",
            json={"control_id": f"NW-ST-{number:02d}", "title": f"Quarterly check {number}",
                  "frequency": "quarterly", "status": "operating"},
            headers=editor.headers(),
        )  # fmt: skip
        assert added.status_code == 201, added.text
    page = editor.http.get("/evidence").text
    table = page[
        page.index('<table id="stale">') : page.index("</table>", page.index('id="stale"'))
    ]
    assert table.count("<tr data-control=") == 25
    total = re.search(r'<a href="/controls\?stale=true" id="all-stale">all (\d+) on', page)
    assert total, "a link to every stale control"
    listed = editor.http.get("/controls?stale=true").text
    assert f"{total.group(1)} of " in listed  # the same controls, by the same rule
