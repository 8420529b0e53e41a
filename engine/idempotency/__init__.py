"""Idempotency keys for API POSTs: a retry gets the first response back."""
