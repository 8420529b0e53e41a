"""Connection and schema settings for the LDAP directory.

The defaults fit a tree built from the standard ``core``, ``cosine``,
``inetorgperson`` and ``nis`` schemas:

* people are ``inetOrgPerson`` entries anywhere below ``user_base_dn``; their
  ``uid`` is the login. An enterprise's ``uid`` *is* its unified social credit
  code, so enterprises log in with it and ``login_attributes`` stays ``("uid",)``;
  the code is also kept in ``employeeNumber`` (single-valued) for reports.
* the administrative division code (``440106``) is in ``l`` (locality).
* an account is disabled by adding the value ``disabled`` to ``employeeType``.
* roles come from ``posixGroup`` entries below ``group_base_dn``: membership is
  a ``memberUid`` value equal to the member's ``uid`` (RFC 2307), which also
  allows empty groups, unlike ``groupOfNames``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from engine.errors import InvalidInput

ROLES = (
    "province_reviewer",
    "city_reviewer",
    "county_reviewer",
    "enterprise",
    "admin",
    "tax_client",
)
DEFAULT_GROUP_ROLE_MAP: Mapping[str, str] = MappingProxyType({role: role for role in ROLES})
PREFIX = "ECOLOOP_LDAP_"
ATTRIBUTE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


@dataclass(frozen=True)
class LdapSettings:
    """Where the directory servers are and how EcoLoop reads accounts from them.

    ``uris`` are tried in order; a server that failed is tried last for
    ``retry_failed_after`` seconds, so a stopped first server costs one refused
    connection rather than one per request. ``receive_timeout`` is whole seconds
    because ldap3 packs it into ``SO_RCVTIMEO`` as an integer.
    """

    uris: tuple[str, ...]
    bind_dn: str
    bind_password: str = field(repr=False)
    user_base_dn: str
    group_base_dn: str
    use_starttls: bool = False
    ca_file: str | None = None
    login_attributes: tuple[str, ...] = ("uid",)
    region_attribute: str = "l"
    credit_code_attribute: str = "employeeNumber"
    display_name_attribute: str = "displayName"
    disabled_attribute: str = "employeeType"
    disabled_value: str = "disabled"
    group_role_map: Mapping[str, str] = field(
        default_factory=lambda: DEFAULT_GROUP_ROLE_MAP, hash=False
    )
    connect_timeout: float = 3.0
    receive_timeout: int = 5
    retry_failed_after: float = 30.0
    password_change: bool = False  # people change their password here, with the password modify operation
    password_url: str = ""  # else: the directory's own page for changing a password

    def __post_init__(self) -> None:
        object.__setattr__(self, "group_role_map", MappingProxyType(dict(self.group_role_map)))
        problems = _problems(self)
        if problems:
            message = "Invalid LDAP settings: " + "; ".join(problems)
            raise InvalidInput(message, fields={"ldap": problems})

    @classmethod
    def from_mapping(cls, cfg: Mapping[str, str]) -> LdapSettings:
        """Build settings from ``ECOLOOP_LDAP_*`` keys, e.g. ``ECOLOOP_LDAP_URIS``.

        :raises InvalidInput: naming every missing or malformed key at once.
        """
        reader = _Reader(cfg)
        values: dict[str, Any] = dict(
            uris=reader.names("URIS", ()),
            bind_dn=reader.required("BIND_DN"),
            bind_password=reader.required("BIND_PASSWORD"),
            user_base_dn=reader.required("USER_BASE_DN"),
            group_base_dn=reader.required("GROUP_BASE_DN"),
            use_starttls=reader.flag("USE_STARTTLS", cls.use_starttls),
            ca_file=reader.text("CA_FILE", "") or None,
            login_attributes=reader.names("LOGIN_ATTRIBUTES", cls.login_attributes),
            region_attribute=reader.text("REGION_ATTRIBUTE", cls.region_attribute),
            credit_code_attribute=reader.text("CREDIT_CODE_ATTRIBUTE", cls.credit_code_attribute),
            display_name_attribute=reader.text(
                "DISPLAY_NAME_ATTRIBUTE", cls.display_name_attribute
            ),
            disabled_attribute=reader.text("DISABLED_ATTRIBUTE", cls.disabled_attribute),
            disabled_value=reader.text("DISABLED_VALUE", cls.disabled_value),
            group_role_map=reader.pairs("GROUP_ROLE_MAP", DEFAULT_GROUP_ROLE_MAP),
            connect_timeout=reader.seconds("CONNECT_TIMEOUT", cls.connect_timeout),
            receive_timeout=reader.whole_seconds("RECEIVE_TIMEOUT", cls.receive_timeout),
            retry_failed_after=reader.seconds("RETRY_FAILED_AFTER", cls.retry_failed_after),
            password_change=reader.flag("PASSWORD_CHANGE", cls.password_change),
            password_url=reader.text("PASSWORD_URL", cls.password_url),
        )
        reader.check()
        return cls(**values)

    @property
    def group_for_role(self) -> Mapping[str, str]:
        """Role name → the group that grants it (the first one, if several do)."""
        reverse: dict[str, str] = {}
        for group, role in self.group_role_map.items():
            reverse.setdefault(role, group)
        return reverse


def _problems(settings: LdapSettings) -> list[str]:
    """Return what is wrong with ``settings``, in words an operator can act on."""
    problems = []
    if not settings.uris:
        problems.append("uris: at least one server is required")
    for uri in settings.uris:
        if not _is_ldap_uri(uri):
            problems.append(f"uris: {uri!r} must start with ldap:// or ldaps://")
    if settings.use_starttls and any(uri.lower().startswith("ldaps://") for uri in settings.uris):
        problems.append("use_starttls: StartTLS cannot be used on ldaps:// servers")
    if not settings.login_attributes:
        problems.append("login_attributes: at least one attribute is required")
    problems += _attribute_problems(settings)
    if not settings.connect_timeout > 0:  # also refuses NaN
        problems.append("connect_timeout: must be greater than zero")
    if not isinstance(settings.receive_timeout, int) or settings.receive_timeout < 1:
        problems.append("receive_timeout: must be a whole number of seconds, at least 1")
    if not settings.retry_failed_after >= 0:
        problems.append("retry_failed_after: must not be negative")
    return problems


def _attribute_problems(settings: LdapSettings) -> list[str]:
    """Attribute names go into search filters unescaped, so they must be plain names."""
    names = {
        "region_attribute": (settings.region_attribute,),
        "credit_code_attribute": (settings.credit_code_attribute,),
        "display_name_attribute": (settings.display_name_attribute,),
        "disabled_attribute": (settings.disabled_attribute,),
        "login_attributes": settings.login_attributes,
    }
    return [
        f"{field_name}: {value!r} is not an attribute name"
        for field_name, values in names.items()
        for value in values
        if not ATTRIBUTE_NAME.fullmatch(value)
    ]


def _is_ldap_uri(uri: str) -> bool:
    scheme, _, rest = uri.partition("://")
    return scheme.lower() in ("ldap", "ldaps") and bool(rest.strip("/"))


class _Reader:
    """Reads prefixed keys and collects every problem, so one error names them all."""

    def __init__(self, cfg: Mapping[str, str]) -> None:
        self._cfg = cfg
        self._problems: dict[str, list[str]] = {}

    def text(self, name: str, default: str) -> str:
        return self._cfg.get(PREFIX + name, default).strip()

    def required(self, name: str) -> str:
        value = self.text(name, "")
        if not value:
            self._fail(name, "is required")
        return value

    def names(self, name: str, default: tuple[str, ...]) -> tuple[str, ...]:
        """A list separated by commas or spaces: ``ldap://a:389, ldap://b:389``."""
        value = self.text(name, "")
        if not value:
            if not default:
                self._fail(name, "is required")
            return default
        return tuple(value.replace(",", " ").split())

    def flag(self, name: str, default: bool) -> bool:
        value = self.text(name, str(default)).lower()
        if value not in _TRUE | _FALSE:
            self._fail(name, f"must be true or false, not {value!r}")
        return value in _TRUE

    def seconds(self, name: str, default: float) -> float:
        value = self.text(name, str(default))
        try:
            return float(value)
        except ValueError:
            self._fail(name, f"must be a number of seconds, not {value!r}")
            return default

    def whole_seconds(self, name: str, default: int) -> int:
        value = self.text(name, str(default))
        try:
            return int(value)
        except ValueError:
            self._fail(name, f"must be a whole number of seconds, not {value!r}")
            return default

    def pairs(self, name: str, default: Mapping[str, str]) -> Mapping[str, str]:
        """Group-to-role pairs: ``gd_reviewers=province_reviewer, gd_admins=admin``."""
        value = self.text(name, "")
        if not value:
            return default
        result = {}
        for item in value.replace(",", " ").split():
            group, _, role = item.partition("=")
            if not group or not role:
                self._fail(name, f"{item!r} is not group=role")
            result[group] = role
        return result

    def check(self) -> None:
        if self._problems:
            described = "; ".join(
                f"{key} {', '.join(why)}" for key, why in sorted(self._problems.items())
            )
            raise InvalidInput(f"Invalid LDAP settings: {described}", fields=self._problems)

    def _fail(self, name: str, message: str) -> None:
        self._problems.setdefault(PREFIX + name, []).append(message)
