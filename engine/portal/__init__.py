"""The enterprise portal (企业门户)."""
