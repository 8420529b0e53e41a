"""The account EcoLoop reads from the directory, and how it is read from an entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ldap3 import Connection

from integrations.ldap.settings import LdapSettings

UID = "uid"
"""Naming attribute of people and the value of ``memberUid`` in their groups (RFC 2307)."""
PERSON_CLASS = "inetOrgPerson"
GROUP_CLASS = "posixGroup"
MEMBER = "memberUid"
PERSON_FILTER = f"(&(objectClass={PERSON_CLASS})({UID}=*))"
GROUP_FILTER = f"(objectClass={GROUP_CLASS})"

Entry = Mapping[str, Any]
"""One ``searchResEntry`` of an ldap3 response: ``dn`` and ``attributes`` (lists of str)."""


@dataclass(frozen=True)
class DirectoryUser:
    """An account as the directory holds it; region and credit codes are not validated here."""

    login: str
    dn: str
    display_name: str
    roles: frozenset[str]
    groups: frozenset[str]
    region_code: str | None
    credit_code: str | None
    disabled: bool


def person_attributes(settings: LdapSettings) -> list[str]:
    """The attributes to request for a person, each once."""
    names = [
        UID,
        "cn",
        settings.display_name_attribute,
        settings.region_attribute,
        settings.credit_code_attribute,
        settings.disabled_attribute,
        *settings.login_attributes,
    ]
    return list(dict.fromkeys(names))


def searchable_attributes(settings: LdapSettings) -> list[str]:
    """The attributes an administrator's search text is matched against."""
    names = [
        *settings.login_attributes,
        "cn",
        settings.display_name_attribute,
        settings.credit_code_attribute,
    ]
    return list(dict.fromkeys(names))


def found_entries(connection: Connection) -> list[Entry]:
    """The entries of the last search, without the referrals a server may add."""
    return [entry for entry in connection.response or [] if entry["type"] == "searchResEntry"]


def first_value(entry: Entry, attribute: str) -> str | None:
    values = entry["attributes"].get(attribute) or []
    return str(values[0]) if values else None


def uid_of(entry: Entry) -> str:
    """The login of a person entry; person searches require a ``uid`` (see ``PERSON_FILTER``)."""
    return str(entry["attributes"][UID][0])


def is_disabled(entry: Entry, settings: LdapSettings) -> bool:
    values = entry["attributes"].get(settings.disabled_attribute) or []
    return any(str(value).lower() == settings.disabled_value.lower() for value in values)


def build_user(entry: Entry, groups: frozenset[str], settings: LdapSettings) -> DirectoryUser:
    """Make a :class:`DirectoryUser` from a person entry and the names of its groups."""
    login = uid_of(entry)
    display_name = first_value(entry, settings.display_name_attribute)
    return DirectoryUser(
        login=login,
        dn=entry["dn"],
        display_name=display_name or first_value(entry, "cn") or login,
        roles=frozenset(settings.group_role_map[g] for g in groups if g in settings.group_role_map),
        groups=groups,
        region_code=first_value(entry, settings.region_attribute),
        credit_code=first_value(entry, settings.credit_code_attribute),
        disabled=is_disabled(entry, settings),
    )
