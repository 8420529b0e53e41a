"""What ``guangdong.ldif`` holds, for tests that log in with its accounts."""

from __future__ import annotations

from pathlib import Path

LDIF = Path(__file__).with_name("guangdong.ldif")
SUFFIX = "dc=gdee,dc=gd,dc=gov,dc=cn"
SERVICE_DN = f"cn=ecoloop,ou=services,{SUFFIX}"
SERVICE_PASSWORD = "service-secret"
PEOPLE_DN = f"ou=people,{SUFFIX}"
GROUPS_DN = f"ou=groups,{SUFFIX}"
PASSWORD = "Gd-Test-2024!"
"""The password of every person in the LDIF."""

SHENZHEN_ENTERPRISE = "91440300568520498A"
TIANHE_ENTERPRISE = "91440106732156481K"
BAIYUN_ENTERPRISE = "914401116183452707"
FUTIAN_ENTERPRISE = "914403047925631855"
DISABLED_LOGIN = "county-440111-former"
