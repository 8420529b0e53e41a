"""The notification centre (通知中心) derived from the audit trail, and e-mail."""
