"""应急资源库 (libraries): read and search for every logged-in role; drafts and submissions for editors (admins)."""

from __future__ import annotations

from typing import Any

from flask import url_for

from engine.emergency.library import attachments, entries, kinds, links, review, search
from web.api.core import ApiBlueprint
from web.api.schemas.instances import InstanceSchema
from web.api.schemas.libraries import (
    DraftSchema,
    EntryListSchema,
    FieldSchema,
    HitSchema,
    LibraryLinkSchema,
    ListArgsSchema,
    SearchArgsSchema,
    SubmitSchema,
    EntryVersionSchema,
)
from web.auth.session import actor
from web.database import db, files
from web.downloads import send_download

bp = ApiBlueprint("api_libraries", __name__, url_prefix="/api/v1/libraries", description="应急资源库 (libraries)")


@bp.route("/search")
@bp.arguments(SearchArgsSchema, location="query")
@bp.response(200, HitSchema(many=True))
def search_entries(args: dict[str, Any]) -> Any:
    """Published entries matching every word of ``q`` (Chinese words, CAS/UN numbers, document numbers), best first."""
    return search.search(db(), args["q"], libraries=args["library"], limit=args["limit"])


@bp.route("/<library>/fields")
@bp.response(200, FieldSchema(many=True))
def library_fields(library: str) -> Any:
    """The typed fields of a library's records."""
    return list(kinds.library(library).fields)


@bp.route("/<library>")
@bp.arguments(ListArgsSchema, location="query")
@bp.response(200, EntryListSchema)
def list_entries(args: dict[str, Any], library: str) -> Any:
    """A library's entries (drafts only for editors and province reviewers)."""
    return entries.listing(db(), actor(), library, status=args["status"], page=args["page"])


@bp.route("/<library>", methods=["POST"])
@bp.arguments(DraftSchema)
@bp.response(201, EntryVersionSchema)
def draft(body: dict[str, Any], library: str) -> Any:
    """Draft a new entry (editors); submit it with ``POST /entries/{id}/submit``."""
    version = entries.create_draft(db(), actor(), library, body["record"], source=body["source"])
    return version, 201, {"Location": url_for("api_libraries.entry", entry_id=version.entry_id)}


@bp.route("/entries/<int:entry_id>")
@bp.response(200, EntryVersionSchema)
def entry(entry_id: int) -> Any:
    """The entry's current (published) version."""
    return entries.current(db(), actor(), entry_id)


@bp.route("/entries/<int:entry_id>", methods=["PUT"])
@bp.arguments(DraftSchema)
@bp.response(200, EntryVersionSchema)
def revise(body: dict[str, Any], entry_id: int) -> Any:
    """Change an entry: updates its open draft, or drafts a new version (editors)."""
    return entries.revise(db(), actor(), entry_id, body["record"], source=body["source"])


@bp.route("/entries/<int:entry_id>/versions")
@bp.response(200, EntryVersionSchema(many=True))
def versions(entry_id: int) -> Any:
    """Every readable version, newest first."""
    return entries.versions(db(), actor(), entry_id)


@bp.route("/entries/<int:entry_id>/versions/<int:number>")
@bp.response(200, EntryVersionSchema)
def version(entry_id: int, number: int) -> Any:
    """One version (earlier published versions stay readable)."""
    return entries.version(db(), actor(), entry_id, number)


@bp.route("/entries/<int:entry_id>/versions/<int:number>/attachments/<int:attachment_id>")
@bp.response(200, {"type": "string", "format": "binary"}, content_type="*/*",
             description="the file's bytes, with their detected media type")
def attachment(entry_id: int, number: int, attachment_id: int) -> Any:
    """Download an attachment of a version the caller may read (ids are in the version's ``attachments``)."""
    found, stream = attachments.open_file(db(), files(), actor(), entry_id, number, attachment_id)
    return send_download(stream, found.display_name, found.media_type)


@bp.route("/entries/<int:entry_id>/links")
@bp.response(200, LibraryLinkSchema(many=True))
def entry_links(entry_id: int) -> Any:
    """Entries referring to this one (a chemical's cases, techniques, citing documents) and those it refers to."""
    current = entries.current(db(), actor(), entry_id)
    found = entries.get_entry(db(), actor(), entry_id)
    return links.referring(db(), found.library, current.fields) + links.referred(db(), found)


@bp.route("/entries/<int:entry_id>/submit", methods=["POST"])
@bp.arguments(SubmitSchema)
@bp.response(201, InstanceSchema)
def submit(body: dict[str, Any], entry_id: int) -> Any:
    """Send the entry's open draft to province review (starts or resumes ``library_entry_review``)."""
    entries.get_entry(db(), actor(), entry_id)
    return review.submit(db(), actor(), entries.latest_version(db(), entry_id).id, note=body["note"]), 201
