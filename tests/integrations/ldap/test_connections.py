"""Failover, time-outs and TLS against real slapd processes that tests stop and start."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import pytest

from engine.errors import DirectoryUnavailable
from integrations.ldap import LdapDirectory
from integrations.ldap import LdapSettings
from tests.integrations.ldap.slapd import Certificate
from tests.integrations.ldap.slapd import SlapdServer
from tests.integrations.ldap.tree import PASSWORD

MakeSettings = Callable[..., LdapSettings]
QUICK = 2.5
"""Seconds within which a failover or a refusal must be done (receive_timeout is 1 s)."""


def test_stopped_first_server_fails_over_to_the_second(
    slapd_pair: tuple[SlapdServer, SlapdServer],
    make_settings: MakeSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = slapd_pair
    directory = LdapDirectory(make_settings(first.uri, second.uri))
    first.stop()

    started = time.monotonic()
    with caplog.at_level(logging.WARNING):
        user = directory.authenticate("city-440300", PASSWORD)

    assert time.monotonic() - started < QUICK
    assert user.display_name == "陈刚"
    assert any(first.uri.removeprefix("ldap://") in message for message in caplog.messages)


def test_a_server_that_failed_is_tried_last_until_it_is_back(
    slapd_pair: tuple[SlapdServer, SlapdServer],
    make_settings: MakeSettings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first, second = slapd_pair
    directory = LdapDirectory(make_settings(first.uri, second.uri, retry_failed_after=60))
    first.stop()
    directory.authenticate("province", PASSWORD)
    first.start()
    second.stop()

    with caplog.at_level(logging.WARNING):
        user = directory.authenticate("province", PASSWORD)

    assert user.login == "province"
    assert any("did not answer" in message for message in caplog.messages), "second tried first"


def test_all_servers_stopped_gives_directory_unavailable_quickly(
    slapd_pair: tuple[SlapdServer, SlapdServer], make_settings: MakeSettings
) -> None:
    first, second = slapd_pair
    directory = LdapDirectory(make_settings(first.uri, second.uri))
    first.stop()
    second.stop()

    started = time.monotonic()
    with pytest.raises(DirectoryUnavailable, match="not reachable"):
        directory.authenticate("province", PASSWORD)
    assert directory.ping() is False
    assert time.monotonic() - started < QUICK

    second.start()
    assert directory.ping() is True


def test_a_hung_server_times_out_and_the_next_one_answers(
    silent_uri: str, slapd: SlapdServer, make_settings: MakeSettings
) -> None:
    directory = LdapDirectory(make_settings(silent_uri, slapd.uri))

    started = time.monotonic()
    user = directory.authenticate("county-440304", PASSWORD)

    assert user.region_code == "440304"
    assert time.monotonic() - started < QUICK


def test_only_a_hung_server_gives_directory_unavailable_after_the_timeout(
    silent_uri: str, make_settings: MakeSettings
) -> None:
    directory = LdapDirectory(make_settings(silent_uri))

    started = time.monotonic()
    with pytest.raises(DirectoryUnavailable):
        directory.get_user("province")

    assert time.monotonic() - started < QUICK


def test_a_refused_service_account_makes_the_directory_unavailable(
    slapd: SlapdServer, make_settings: MakeSettings, caplog: pytest.LogCaptureFixture
) -> None:
    directory = LdapDirectory(make_settings(slapd.uri, bind_password="not-the-secret"))

    with caplog.at_level(logging.ERROR), pytest.raises(DirectoryUnavailable):
        directory.authenticate("province", PASSWORD)

    assert any("refused the service account" in message for message in caplog.messages)
    assert directory.ping() is False


def test_starttls_with_the_servers_ca_logs_in(
    tls_slapd: SlapdServer, certificate: Certificate, make_settings: MakeSettings
) -> None:
    settings = make_settings(tls_slapd.uri, use_starttls=True, ca_file=str(certificate.cert))

    user = LdapDirectory(settings).authenticate("province", PASSWORD)

    assert user.roles == {"province_reviewer"}


def test_starttls_refuses_a_certificate_it_cannot_verify(
    tls_slapd: SlapdServer, make_settings: MakeSettings
) -> None:
    directory = LdapDirectory(make_settings(tls_slapd.uri, use_starttls=True))

    with pytest.raises(DirectoryUnavailable):
        directory.authenticate("province", PASSWORD)


def test_starttls_refuses_a_certificate_for_another_host_name(
    tls_slapd: SlapdServer, certificate: Certificate, make_settings: MakeSettings
) -> None:
    uri = tls_slapd.uri.replace("127.0.0.1", "localhost")
    directory = LdapDirectory(make_settings(uri, use_starttls=True, ca_file=str(certificate.cert)))

    with pytest.raises(DirectoryUnavailable):
        directory.authenticate("province", PASSWORD)
