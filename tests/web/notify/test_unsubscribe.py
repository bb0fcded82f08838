"""The digest's unsubscribe link: asks first, then turns off only that user's digest,
without a sign-in; a link that is not ours changes nothing."""

from __future__ import annotations

from sqlalchemy import select

from crosswalk.services.notify.subscriptions import unsubscribe_token
from crosswalk.store.auth_models import UserRow
from crosswalk.store.models import AuditRow
from tests.web.conftest import USERS, WebWorkspace

DANA = USERS["control_owner"][0]
EDITOR = USERS["editor"][0]


def _token(web: WebWorkspace, email: str) -> str:
    with web.session() as session:
        row = session.scalar(select(UserRow).where(UserRow.email == email))
        assert row is not None
        token = unsubscribe_token(session, row.id, row.email)
        session.commit()
        return token


def _off(web: WebWorkspace) -> dict[str, bool]:
    with web.session() as session:
        rows = session.execute(select(UserRow.email, UserRow.digest_unsubscribed_at))
        return {email: at is not None for email, at in rows}


def test_the_link_asks_then_turns_off_only_its_users_digest(web: WebWorkspace) -> None:
    token = _token(web, DANA)
    anonymous = web.client()
    asked = anonymous.http.get(f"/unsubscribe?token={token}")
    assert asked.status_code == 200
    assert "Stop the daily digest?" in asked.text and DANA in asked.text
    assert f'name="token" value="{token}"' in asked.text
    assert not any(_off(web).values())  # opening the link (a mail scanner) changes nothing

    done = anonymous.http.post("/unsubscribe", data={"token": token})
    assert done.status_code == 200 and "Digest turned off" in done.text
    assert {email for email, off in _off(web).items() if off} == {DANA}
    with web.session() as session:
        actor = session.scalar(
            select(AuditRow.actor)
            .where(AuditRow.entity == "user", AuditRow.entity_key == DANA)
            .order_by(AuditRow.id.desc())
            .limit(1)
        )
    assert actor == DANA  # the trail says who turned it off

    again = anonymous.http.post("/unsubscribe", data={"token": token})
    assert again.status_code == 200  # a second click is fine


def test_a_mail_clients_one_click_post_to_the_link_works(web: WebWorkspace) -> None:
    token = _token(web, EDITOR)
    response = web.client().http.post(
        f"/unsubscribe?token={token}", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert {email for email, off in _off(web).items() if off} == {EDITOR}


def test_a_link_that_is_not_ours_changes_nothing(web: WebWorkspace) -> None:
    token = _token(web, DANA)
    user_id, _, signature = token.partition(".")
    editor_id = _token(web, EDITOR).partition(".")[0]
    anonymous = web.client()
    for forged in (
        f"{editor_id}.{signature}",  # another user's id with Dana's signature
        f"{user_id}.{signature[:-3]}",
        "",
        "1.",
        "x" * 500,
    ):
        page = anonymous.http.get("/unsubscribe", params={"token": forged})
        assert page.status_code == 400 and "This link cannot be used" in page.text
        post = anonymous.http.post("/unsubscribe", data={"token": forged})
        assert post.status_code == 400
    assert not any(_off(web).values())
