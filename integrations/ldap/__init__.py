"""The LDAP directory: log-in, roles and account administration.

The expected tree layout is described in :mod:`integrations.ldap.settings`.
"""

from integrations.ldap.directory import LdapDirectory
from integrations.ldap.settings import LdapSettings
from integrations.ldap.users import DirectoryUser

__all__ = ["DirectoryUser", "LdapDirectory", "LdapSettings"]
