"""Who a single sign-on identity is in Crosswalk: the account with that verified e-mail
address, with its role from the provider's groups when the team maps groups to roles.

Without a mapping an admin assigns roles, so someone the team has not added is refused
(a clear page, no account made): an account appearing for anyone the provider knows would
put strangers in the users list and leave admins to tell them apart.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from crosswalk.services.access.oidc import Identity, SsoRefused
from crosswalk.services.access.users import (
    ADMIN,
    AUDITOR,
    CONTROL_OWNER,
    EDITOR,
    EMAIL,
    User,
    UserError,
    get_user,
    parse_role,
    set_role,
)
from crosswalk.store.auth_models import UserRow

MOST_PRIVILEGED_FIRST = (ADMIN, EDITOR, CONTROL_OWNER, AUDITOR)
# Stored as the password hash of accounts made by single sign-on: no password matches it
# (argon2 refuses it as a hash), so they sign in only through the provider.
NO_PASSWORD = "!single-sign-on"


def parse_role_map(text: str, source: str = "CROSSWALK_OIDC_ROLES") -> dict[str, str]:
    """``group=role`` pairs, separated by commas, or by semicolons or new lines when the
    group names hold commas (LDAP names do); the role follows a group's last ``=``."""
    separators = ";\n" if any(mark in text for mark in ";\n") else ","
    pairs = text
    for mark in separators:
        pairs = pairs.replace(mark, "\0")
    roles: dict[str, str] = {}
    for item in (part.strip() for part in pairs.split("\0")):
        if not item:
            continue
        group, equals, role = item.rpartition("=")
        if not equals or not group.strip():
            raise UserError(f"{source}: {item!r} is not group=role (e.g. crosswalk-admins=admin)")
        try:
            roles[group.strip()] = parse_role(role)
        except UserError as error:
            raise UserError(f"{source}: {error}") from error
    return roles


def role_for_groups(groups: Iterable[str], roles: Mapping[str, str]) -> str | None:
    """The most privileged role any of the groups maps to; None when none does."""
    mapped = {roles[group] for group in groups if group in roles}
    return next((role for role in MOST_PRIVILEGED_FIRST if role in mapped), None)


def account_for_identity(
    session: Session, identity: Identity, roles: Mapping[str, str], provider: str
) -> User:
    """The active account the identity signs in as (made or re-roled from its groups when
    ``roles`` maps any); SsoRefused saying why when there is none it may use."""
    email = identity.email
    if not identity.email_verified:
        raise SsoRefused(
            f"{provider} has not verified the e-mail address {email}; Crosswalk matches "
            "people by verified address only"
        )
    if not EMAIL.match(email):
        raise SsoRefused(f"{provider} gave {email!r}, which is not an e-mail address")
    mapped: str | None = None
    if roles:
        mapped = role_for_groups(identity.groups or (), roles)
        if mapped is None:
            raise SsoRefused(
                f"none of your groups at {provider} gives a Crosswalk role; the groups that "
                f"do are {', '.join(sorted(roles))}"
            )
    row = session.scalar(select(UserRow).where(UserRow.email == email))
    owner_name = identity.name or email  # a new control owner's owner name, until an admin sets it
    if row is None:
        if mapped is None:
            raise SsoRefused(
                f"there is no Crosswalk account for {email}; ask an admin to add you with a role"
            )
        session.add(
            UserRow(
                email=email,
                name=identity.name,
                role=mapped,
                owner_name=owner_name if mapped == CONTROL_OWNER else None,
                password_hash=NO_PASSWORD,
                active=True,
            )
        )
        session.flush()
        return get_user(session, email)
    if not row.active:
        raise SsoRefused(f"the account {email} is deactivated; an admin can reactivate it")
    if mapped is not None and mapped != row.role:
        try:
            set_role(session, email, mapped, None if row.owner_name else owner_name)
        except UserError as error:
            raise SsoRefused(f"your groups at {provider} make you {mapped}, but {error}") from error
    if not row.name and identity.name:
        row.name = identity.name
        session.flush()
    return get_user(session, email)
