"""Who users are: log-in, local accounts, directory administration, sessions, lockout and API tokens."""
