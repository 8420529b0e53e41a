"""LdapSettings from ECOLOOP_LDAP_* keys, and the errors an operator sees for bad ones."""

from __future__ import annotations

from typing import Any

import pytest

from engine.errors import InvalidInput
from integrations.ldap import LdapSettings
from integrations.ldap.settings import ROLES

REQUIRED = {
    "ECOLOOP_LDAP_URIS": "ldap://ldap1.gdee.gov.cn:389, ldap://ldap2.gdee.gov.cn:389",
    "ECOLOOP_LDAP_BIND_DN": "cn=ecoloop,ou=services,dc=gdee,dc=gd,dc=gov,dc=cn",
    "ECOLOOP_LDAP_BIND_PASSWORD": "s3cret",
    "ECOLOOP_LDAP_USER_BASE_DN": "ou=people,dc=gdee,dc=gd,dc=gov,dc=cn",
    "ECOLOOP_LDAP_GROUP_BASE_DN": "ou=groups,dc=gdee,dc=gd,dc=gov,dc=cn",
}


def direct(**overrides: Any) -> LdapSettings:
    values: dict[str, Any] = {
        "uris": ("ldap://ldap1:389",),
        "bind_dn": "cn=ecoloop",
        "bind_password": "s3cret",
        "user_base_dn": "ou=people",
        "group_base_dn": "ou=groups",
    }
    return LdapSettings(**(values | overrides))


def test_required_keys_alone_give_the_documented_defaults() -> None:
    settings = LdapSettings.from_mapping(REQUIRED)

    assert settings.uris == ("ldap://ldap1.gdee.gov.cn:389", "ldap://ldap2.gdee.gov.cn:389")
    assert settings.login_attributes == ("uid",)
    assert (settings.region_attribute, settings.credit_code_attribute) == ("l", "employeeNumber")
    assert (settings.disabled_attribute, settings.disabled_value) == ("employeeType", "disabled")
    assert dict(settings.group_role_map) == {role: role for role in ROLES}
    assert settings.use_starttls is False
    assert settings.ca_file is None


def test_every_key_is_read() -> None:
    settings = LdapSettings.from_mapping(
        REQUIRED
        | {
            "ECOLOOP_LDAP_USE_STARTTLS": "yes",
            "ECOLOOP_LDAP_CA_FILE": "/etc/ssl/gdee-ca.pem",
            "ECOLOOP_LDAP_LOGIN_ATTRIBUTES": "uid, employeeNumber",
            "ECOLOOP_LDAP_REGION_ATTRIBUTE": "departmentNumber",
            "ECOLOOP_LDAP_CREDIT_CODE_ATTRIBUTE": "businessCategory",
            "ECOLOOP_LDAP_DISPLAY_NAME_ATTRIBUTE": "cn",
            "ECOLOOP_LDAP_DISABLED_ATTRIBUTE": "description",
            "ECOLOOP_LDAP_DISABLED_VALUE": "locked",
            "ECOLOOP_LDAP_GROUP_ROLE_MAP": "gd_admins=admin gd_reviewers=province_reviewer",
            "ECOLOOP_LDAP_CONNECT_TIMEOUT": "1.5",
            "ECOLOOP_LDAP_RECEIVE_TIMEOUT": "4",
            "ECOLOOP_LDAP_RETRY_FAILED_AFTER": "10",
        }
    )

    assert settings.use_starttls is True
    assert settings.ca_file == "/etc/ssl/gdee-ca.pem"
    assert settings.login_attributes == ("uid", "employeeNumber")
    assert settings.region_attribute == "departmentNumber"
    assert settings.credit_code_attribute == "businessCategory"
    assert (settings.disabled_attribute, settings.disabled_value) == ("description", "locked")
    assert dict(settings.group_role_map) == {
        "gd_admins": "admin",
        "gd_reviewers": "province_reviewer",
    }
    assert (settings.connect_timeout, settings.receive_timeout) == (1.5, 4)
    assert settings.retry_failed_after == 10.0


def test_missing_keys_are_all_named_in_one_error() -> None:
    with pytest.raises(InvalidInput) as refused:
        LdapSettings.from_mapping({"ECOLOOP_LDAP_URIS": "ldap://ldap1:389"})

    assert set(refused.value.fields) == set(REQUIRED) - {"ECOLOOP_LDAP_URIS"}
    assert "ECOLOOP_LDAP_BIND_PASSWORD is required" in refused.value.message


def test_malformed_values_are_all_named_in_one_error() -> None:
    bad = {
        "ECOLOOP_LDAP_USE_STARTTLS": "maybe",
        "ECOLOOP_LDAP_CONNECT_TIMEOUT": "fast",
        "ECOLOOP_LDAP_RECEIVE_TIMEOUT": "2.5",
        "ECOLOOP_LDAP_GROUP_ROLE_MAP": "gd_admins",
    }
    with pytest.raises(InvalidInput) as refused:
        LdapSettings.from_mapping(REQUIRED | bad)

    assert set(refused.value.fields) == set(bad)
    assert "must be true or false, not 'maybe'" in refused.value.message
    assert "'gd_admins' is not group=role" in refused.value.message


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"uris": ()}, "at least one server"),
        ({"uris": ("http://ldap1",)}, "must start with ldap:// or ldaps://"),
        ({"uris": ("ldaps://ldap1",), "use_starttls": True}, "StartTLS cannot be used"),
        ({"login_attributes": ()}, "login_attributes: at least one"),
        ({"login_attributes": ("uid)(uid=*",)}, "is not an attribute name"),
        ({"region_attribute": "l*"}, "region_attribute: 'l*' is not an attribute name"),
        ({"connect_timeout": 0}, "connect_timeout: must be greater than zero"),
        ({"connect_timeout": float("nan")}, "connect_timeout: must be greater than zero"),
        ({"receive_timeout": 0.5}, "receive_timeout: must be a whole number"),
        ({"retry_failed_after": -1}, "retry_failed_after: must not be negative"),
    ],
)
def test_direct_construction_is_checked(overrides: dict[str, Any], problem: str) -> None:
    with pytest.raises(InvalidInput, match="Invalid LDAP settings") as refused:
        direct(**overrides)

    assert problem in refused.value.message


def test_the_password_stays_out_of_repr_and_the_role_map_is_read_only() -> None:
    settings = direct()

    assert "s3cret" not in repr(settings)
    with pytest.raises(TypeError):
        settings.group_role_map["root"] = "admin"  # type: ignore[index]


def test_a_role_granted_by_two_groups_is_given_by_the_first() -> None:
    settings = direct(group_role_map={"gd_admins": "admin", "sz_admins": "admin"})

    assert settings.group_for_role["admin"] == "gd_admins"
