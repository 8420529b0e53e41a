"""Marshmallow schemas of the REST API: pure, no database and no current user."""
