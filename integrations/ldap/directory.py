"""Log-in and account administration against the LDAP directory."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from ldap3 import MODIFY_ADD, MODIFY_DELETE, SUBTREE, Connection
from ldap3.core.exceptions import (
    LDAPAttributeOrValueExistsResult,
    LDAPEntryAlreadyExistsResult,
    LDAPException,
    LDAPNoSuchAttributeResult,
)
from ldap3.utils.dn import escape_rdn

from engine.errors import (
    AuthenticationFailed,
    Conflict,
    DirectoryUnavailable,
    InvalidInput,
    NotFound,
)
from integrations.ldap.connections import Connections
from integrations.ldap.filters import (
    all_of,
    any_of,
    contains,
    equal,
    has_filter_characters,
)
from integrations.ldap.new_users import new_user_problems
from integrations.ldap.settings import LdapSettings
from integrations.ldap.users import (
    GROUP_FILTER,
    MEMBER,
    PERSON_CLASS,
    PERSON_FILTER,
    UID,
    DirectoryUser,
    Entry,
    build_user,
    found_entries,
    person_attributes,
    searchable_attributes,
    uid_of,
)

__all__ = ["DirectoryUser", "LdapDirectory"]

logger = logging.getLogger(__name__)

LOGIN_FAILED = "Wrong user name or password."
MAX_SEARCH_LIMIT = 500


class LdapDirectory:
    """The directory as EcoLoop uses it: one instance per process, shared by threads.

    Every call opens its own connection as the service account, so a server
    that stops between two calls only costs the failover.
    """

    def __init__(self, settings: LdapSettings) -> None:
        self._settings = settings
        self._connections = Connections(settings)

    def authenticate(self, login: str, password: str) -> DirectoryUser:
        """Check ``password`` for ``login`` (a ``uid``; for enterprises the credit code).

        :raises AuthenticationFailed: unknown login, wrong password or disabled
            account, with the same message for all three; the log says which.
        :raises DirectoryUnavailable: when no directory server answers.
        """
        if not password.strip():
            raise _refused(login, "empty password")
        with self._connections.service() as connection:
            entry = self._find(connection, login)
            if entry is None:
                raise _refused(login, "no such user")
            if not self._connections.password_matches(entry["dn"], password):
                raise _refused(login, "wrong password")
            user = self._user(connection, entry)
        if user.disabled:
            raise _refused(login, "account disabled")
        logger.info("%s logged in with roles %s", user.login, sorted(user.roles))
        return user

    def get_user(self, login: str) -> DirectoryUser:
        """:raises NotFound: no account has this login."""
        with self._connections.service() as connection:
            return self._user(connection, self._require(connection, login))

    def search_users(self, query: str, limit: int = 50) -> list[DirectoryUser]:
        """Accounts whose login, name or credit code contains ``query``, sorted by login.

        An empty query lists accounts. At most ``limit`` (1 to 500) are returned.
        """
        if not 1 <= limit <= MAX_SEARCH_LIMIT:
            message = f"limit must be between 1 and {MAX_SEARCH_LIMIT}, not {limit}"
            raise InvalidInput(message, fields={"limit": [message]})
        text = query.strip()
        match = [PERSON_FILTER]
        if text:
            attributes = searchable_attributes(self._settings)
            match.append(any_of(contains(name, text) for name in attributes))
        with self._connections.service() as connection:
            entries = self._people(connection, all_of(match), size_limit=limit)
            groups = self._groups_of(connection, [uid_of(entry) for entry in entries])
        users = [build_user(e, groups.get(uid_of(e), frozenset()), self._settings) for e in entries]
        return sorted(users, key=lambda user: user.login)

    def ping(self) -> bool:
        """Whether a directory server answers and accepts the service account (for /healthz)."""
        try:
            with self._connections.service():
                return True
        except DirectoryUnavailable:
            return False

    def create_user(
        self,
        login: str,
        display_name: str,
        password: str,
        region_code: str,
        credit_code: str | None = None,
        roles: Iterable[str] = (),
    ) -> DirectoryUser:
        """Add a person below ``user_base_dn`` with the groups that grant ``roles``.

        :raises InvalidInput: a blank or malformed value, or an unknown role.
        :raises Conflict: the login is taken.
        """
        problems = new_user_problems(login, display_name, password, region_code, credit_code)
        if problems:
            raise InvalidInput("The new user is not valid: " + _describe(problems), fields=problems)
        with self._connections.service() as connection:
            group_dns = [self._group_dn(connection, role) for role in roles]
            if self._find(connection, login) is not None:
                raise Conflict(f"The login {login!r} is already taken")
            dn = f"{UID}={escape_rdn(login)},{self._settings.user_base_dn}"
            attributes = self._new_person(login, display_name, region_code, credit_code)
            self._add_person(connection, dn, attributes, password)
            for group_dn in group_dns:
                self._change_membership(connection, group_dn, login, MODIFY_ADD)
            logger.info("Created directory user %s (%s)", login, dn)
            return self._user(connection, self._require(connection, login))

    def add_to_group(self, login: str, role: str) -> None:
        """Give ``login`` the group that grants ``role``; nothing happens if it has it already.

        :raises NotFound: unknown login. :raises InvalidInput: unknown role or missing group.
        """
        with self._connections.service() as connection:
            uid = uid_of(self._require(connection, login))
            self._change_membership(connection, self._group_dn(connection, role), uid, MODIFY_ADD)

    def remove_from_group(self, login: str, role: str) -> None:
        """Take ``login`` out of the group that grants ``role``; a non-member is left as is."""
        with self._connections.service() as connection:
            uid = uid_of(self._require(connection, login))
            group_dn = self._group_dn(connection, role)
            self._change_membership(connection, group_dn, uid, MODIFY_DELETE)

    def disable_user(self, login: str) -> None:
        """Mark the account disabled; its entry and groups stay for the audit trail."""
        settings = self._settings
        with self._connections.service() as connection:
            dn = self._require(connection, login)["dn"]
            change = {settings.disabled_attribute: [(MODIFY_ADD, [settings.disabled_value])]}
            try:
                connection.modify(dn, change)
            except LDAPAttributeOrValueExistsResult:
                logger.info("Directory user %s was already disabled", dn)
                return
        logger.info("Disabled directory user %s", dn)

    @property
    def password_change_allowed(self) -> bool:
        """Whether people change their directory password through EcoLoop (``ECOLOOP_LDAP_PASSWORD_CHANGE``)."""
        return self._settings.password_change

    @property
    def password_url(self) -> str:
        """The directory's own page for changing a password (``ECOLOOP_LDAP_PASSWORD_URL``), if any."""
        return self._settings.password_url

    def change_password(self, login: str, old: str, new: str) -> None:
        """Change ``login``'s password with the password modify extended operation, bound as that person.

        :raises AuthenticationFailed: unknown login or wrong old password.
        :raises InvalidInput: the directory refused the new password (its own policy).
        :raises DirectoryUnavailable: when no directory server answers.
        """
        if not old.strip():
            raise _refused(login, "empty password")
        with self._connections.service() as connection:
            entry = self._find(connection, login)
        if entry is None:
            raise _refused(login, "no such user")
        try:
            changed = self._connections.change_password(entry["dn"], old, new)
        except LDAPException as exc:
            raise InvalidInput("目录服务拒绝了新密码 (the directory refused the new password)",
                               fields={"new": [f"目录服务拒绝：{exc}"]}) from None
        if not changed:
            raise _refused(login, "wrong password")
        logger.info("Directory user %s changed the password", entry["dn"])

    def _find(self, connection: Connection, login: str) -> Entry | None:
        """The one person whose login attribute equals ``login``; None for none or several."""
        login = login.strip()
        if not login:
            return None
        if has_filter_characters(login):
            logger.warning("Login %r holds LDAP filter characters; searched literally", login)
        by_login = any_of(equal(name, login) for name in self._settings.login_attributes)
        entries = self._people(connection, all_of([PERSON_FILTER, by_login]), size_limit=2)
        if len(entries) > 1:
            logger.error("Login %r matches several directory entries; refusing it", login)
            return None
        return entries[0] if entries else None

    def _require(self, connection: Connection, login: str) -> Entry:
        entry = self._find(connection, login)
        if entry is None:
            raise NotFound(f"No directory user has the login {login!r}")
        return entry

    def _people(self, connection: Connection, query: str, *, size_limit: int) -> list[Entry]:
        connection.search(
            self._settings.user_base_dn,
            query,
            SUBTREE,
            attributes=person_attributes(self._settings),
            size_limit=size_limit,
        )
        return found_entries(connection)

    def _user(self, connection: Connection, entry: Entry) -> DirectoryUser:
        uid = uid_of(entry)
        groups = self._groups_of(connection, [uid]).get(uid, frozenset())
        return build_user(entry, groups, self._settings)

    def _groups_of(self, connection: Connection, uids: Sequence[str]) -> dict[str, frozenset[str]]:
        """Names of the groups each of ``uids`` belongs to, in one search."""
        if not uids:
            return {}
        query = all_of([GROUP_FILTER, any_of(equal(MEMBER, uid) for uid in uids)])
        connection.search(self._settings.group_base_dn, query, SUBTREE, attributes=["cn", MEMBER])
        names: dict[str, set[str]] = {uid: set() for uid in uids}
        for group in found_entries(connection):
            for member in set(group["attributes"].get(MEMBER, [])) & names.keys():
                names[member].add(str(group["attributes"]["cn"][0]))
        return {uid: frozenset(groups) for uid, groups in names.items()}

    def _group_dn(self, connection: Connection, role: str) -> str:
        """:raises InvalidInput: naming the role no group grants, or the group that is missing."""
        group = self._settings.group_for_role.get(role)
        if group is None:
            known = ", ".join(sorted(self._settings.group_for_role))
            message = f"Unknown role {role!r}; known roles: {known}"
            raise InvalidInput(message, fields={"roles": [message]})
        query = all_of([GROUP_FILTER, equal("cn", group)])
        connection.search(self._settings.group_base_dn, query, SUBTREE, attributes=[])
        found = [entry["dn"] for entry in found_entries(connection)]
        if not found:
            message = f"The group {group!r} for role {role!r} does not exist in the directory"
            raise InvalidInput(message, fields={"roles": [message]})
        return str(found[0])

    def _change_membership(
        self, connection: Connection, group_dn: str, uid: str, change: str
    ) -> None:
        verb = "Added" if change == MODIFY_ADD else "Removed"
        try:
            connection.modify(group_dn, {MEMBER: [(change, [uid])]})
        except (LDAPAttributeOrValueExistsResult, LDAPNoSuchAttributeResult):
            logger.info("Group %s already as wanted for %s", group_dn, uid)
            return
        logger.info("%s %s in group %s", verb, uid, group_dn)

    def _new_person(
        self, login: str, display_name: str, region_code: str, credit_code: str | None
    ) -> dict[str, str]:
        attributes = {
            UID: login,
            "cn": display_name,
            "sn": display_name,
            self._settings.display_name_attribute: display_name,
            self._settings.region_attribute: region_code,
        }
        if credit_code:
            attributes[self._settings.credit_code_attribute] = credit_code
        return attributes

    def _add_person(
        self, connection: Connection, dn: str, attributes: dict[str, str], password: str
    ) -> None:
        """Add the entry, then set its password through the server, which hashes it.

        The Password Modify operation (RFC 3062) lets the server apply its own
        hash scheme; if it fails, the half-made entry is removed again.
        """
        try:
            connection.add(dn, PERSON_CLASS, attributes)
        except LDAPEntryAlreadyExistsResult as exc:
            raise Conflict(f"The directory entry {dn} already exists") from exc
        try:
            connection.extend.standard.modify_password(dn, new_password=password)
        except LDAPException:
            connection.delete(dn)
            raise


def _refused(login: str, reason: str) -> AuthenticationFailed:
    logger.warning("Login refused for %r: %s", login, reason)
    return AuthenticationFailed(LOGIN_FAILED)


def _describe(problems: dict[str, list[str]]) -> str:
    return "; ".join(f"{field}: {', '.join(messages)}" for field, messages in problems.items())
