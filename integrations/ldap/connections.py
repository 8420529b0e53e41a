"""Bound connections to the first directory server that answers.

ldap3's own ``ServerPool`` is not used: when every server is down it sleeps
``POOLING_LOOP_TIMEOUT`` (10 s) per cycle before giving up, and it keeps a
reference to every connection ever opened through it, which a long-running web
process cannot afford.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress

from ldap3 import NONE, Connection, Server, Tls
from ldap3.core.exceptions import (
    LDAPCommunicationError,
    LDAPException,
    LDAPInvalidCredentialsResult,
    LDAPOperationResult,
    LDAPResponseTimeoutError,
    LDAPStartTLSError,
)

from engine.errors import DirectoryUnavailable
from integrations.ldap.settings import LdapSettings

logger = logging.getLogger(__name__)

UNREACHABLE = (LDAPCommunicationError, LDAPResponseTimeoutError, LDAPStartTLSError)
UNAVAILABLE_MESSAGE = "The directory service is not reachable; please try again later."


class FailoverServers:
    """Server URIs tried in configured order, except that those which failed recently go last.

    A failed server is still tried as a last resort, so the directory comes back
    as soon as any server does.
    """

    def __init__(self, uris: Sequence[str], retry_failed_after: float) -> None:
        self._uris = tuple(uris)
        self._retry_failed_after = retry_failed_after
        self._failed_at: dict[str, float] = {}
        self._lock = threading.Lock()

    def connect(self, attempt: Callable[[str], Connection]) -> Connection:
        """Return ``attempt(uri)`` for the first server with which it does not fail to talk.

        :raises DirectoryUnavailable: when no server answered.
        """
        for uri in self._order():
            try:
                connection = attempt(uri)
            except UNREACHABLE as exc:
                logger.warning("LDAP server %s did not answer: %s", uri, exc)
                self._record(uri, failed=True)
                continue
            self._record(uri, failed=False)
            return connection
        logger.error("No LDAP server answered (%d tried)", len(self._uris))
        raise DirectoryUnavailable(UNAVAILABLE_MESSAGE)

    def _order(self) -> list[str]:
        now = time.monotonic()
        with self._lock:
            failed_at = dict(self._failed_at)
        recent = {uri for uri, at in failed_at.items() if now - at < self._retry_failed_after}
        return sorted(self._uris, key=lambda uri: uri in recent)

    def _record(self, uri: str, *, failed: bool) -> None:
        with self._lock:
            if failed:
                self._failed_at[uri] = time.monotonic()
            else:
                self._failed_at.pop(uri, None)


class Connections:
    """Opens connections for one :class:`LdapSettings`; safe to share between threads."""

    def __init__(self, settings: LdapSettings) -> None:
        self._settings = settings
        self._servers = FailoverServers(settings.uris, settings.retry_failed_after)

    @contextmanager
    def service(self) -> Iterator[Connection]:
        """A connection bound as the service account, unbound on exit.

        :raises DirectoryUnavailable: no server answered, one stopped answering,
            or the directory refused the service account (a configuration error).
        """
        dn, password = self._settings.bind_dn, self._settings.bind_password
        try:
            connection = self._servers.connect(lambda uri: self._open(uri, dn, password))
        except LDAPOperationResult as exc:
            logger.error("The directory refused the service account %s: %s", dn, exc.description)
            raise DirectoryUnavailable(UNAVAILABLE_MESSAGE) from exc
        try:
            yield connection
        except UNREACHABLE as exc:
            logger.error("LDAP server %s stopped answering: %s", connection.server.name, exc)
            raise DirectoryUnavailable(UNAVAILABLE_MESSAGE) from exc
        finally:
            _close(connection)

    def password_matches(self, dn: str, password: str) -> bool:
        """Whether a simple bind as ``dn`` with ``password`` succeeds.

        Callers must refuse empty passwords first: a bind with a DN and an empty
        password is an unauthenticated bind, which servers may accept.
        """
        try:
            connection = self._servers.connect(lambda uri: self._open(uri, dn, password))
        except LDAPInvalidCredentialsResult:
            return False
        except LDAPOperationResult as exc:
            logger.warning("Bind as %s refused for another reason: %s", dn, exc.description)
            return False
        _close(connection)
        return True

    def change_password(self, dn: str, old: str, new: str) -> bool:
        """Bind as ``dn`` with ``old`` and change it to ``new`` (RFC 3062 password modify); False: ``old`` is wrong.

        :raises DirectoryUnavailable: when no server answers. :raises LDAPOperationResult: the server refused
            the new password (its own policy).
        """
        try:
            connection = self._servers.connect(lambda uri: self._open(uri, dn, old))
        except LDAPInvalidCredentialsResult:
            return False
        try:
            connection.extend.standard.modify_password(user=dn, old_password=old, new_password=new)
        finally:
            _close(connection)
        return True

    def _open(self, uri: str, user: str, password: str) -> Connection:
        """Open, secure and bind a connection to ``uri``.

        A new ``Server`` each time: ldap3 marks a server's address unusable for
        five seconds after a failure, which would hide a restarted server from
        :class:`FailoverServers`, and shared ``Server`` objects are not thread-safe.
        """
        connection = Connection(
            _server(uri, self._settings),
            user=user,
            password=password,
            receive_timeout=self._settings.receive_timeout,
            raise_exceptions=True,
            auto_referrals=False,
        )
        try:
            connection.open()
            if self._settings.use_starttls:
                connection.start_tls()
            connection.bind()
        except BaseException:
            _close(connection)
            raise
        return connection


def _server(uri: str, settings: LdapSettings) -> Server:
    tls = Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=settings.ca_file)
    return Server(uri, connect_timeout=settings.connect_timeout, tls=tls, get_info=NONE)


def _close(connection: Connection) -> None:
    """Unbind, ignoring a socket that is already gone."""
    with suppress(LDAPException, OSError):
        connection.unbind()
