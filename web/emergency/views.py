"""Library pages: thin views over :mod:`engine.emergency.library`."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from marshmallow import Schema, fields, validate
from sqlalchemy.exc import SQLAlchemyError

from engine.emergency.library import attachments, entries, intake, kinds, pages, review, search
from engine.errors import InvalidFile, InvalidInput
from web.auth.session import actor, login_required
from web.database import db, files
from web.downloads import send_download
from web.emergency import bp


class SearchArgs(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200))
    library = fields.List(fields.String(validate=validate.OneOf(list(kinds.LIBRARIES))), load_default=list)


@bp.app_context_processor
def _help() -> dict[str, Any]:
    """Published 操作指引 naming the page being shown, on every page (base.html shows them as help).

    Help never breaks a page: an error page rendered after a failed statement gets none.
    """
    if not request.endpoint or request.method != "GET":
        return {"guides": []}
    try:
        return {"guides": pages.guides_for(db(), request.endpoint)}
    except SQLAlchemyError:
        return {"guides": []}


@bp.context_processor
def _libraries() -> dict[str, Any]:
    return {"libraries": kinds.LIBRARIES}


@bp.get("/")
@login_required
def index() -> ResponseReturnValue:
    return render_template("emergency/index.html", counts=entries.counts(db()))


@bp.get("/search")
@login_required
def search_page() -> ResponseReturnValue:
    args = SearchArgs().load({"q": request.args.get("q", ""), "library": request.args.getlist("library")})
    hits = search.search(db(), args["q"], libraries=args["library"], limit=50)
    return render_template("emergency/search.html", q=args["q"], chosen=args["library"], hits=hits)


@bp.get("/<library>")
@login_required
def library(library: str) -> ResponseReturnValue:
    if library not in kinds.LIBRARIES:
        abort(404)
    page = request.args.get("page", 1, type=int) or 1
    listing = entries.listing(db(), actor(), library, status=request.args.get("status") or None, page=page)
    return render_template("emergency/library.html", lib=kinds.LIBRARIES[library], listing=listing, page=page,
                           may_edit=entries.may_edit(actor()))


@bp.get("/entries/<int:entry_id>")
@bp.get("/entries/<int:entry_id>/versions/<int:number>")
@login_required
def entry(entry_id: int, number: int | None = None) -> ResponseReturnValue:
    return render_template("emergency/entry.html", page=pages.entry_page(db(), actor(), entry_id, number))


@bp.route("/<library>/new", methods=["GET", "POST"])
@login_required
def new_entry(library: str) -> ResponseReturnValue:
    lib = kinds.library(library)
    entries.require_editor(actor())
    if request.method == "GET":
        return render_template("emergency/edit.html", lib=lib, values={}, errors={}, entry_id=None)
    try:
        version = entries.create_draft(db(), actor(), lib.key, _form(lib), source=request.form.get("source", ""))
    except InvalidInput as exc:
        db().rollback()
        return render_template("emergency/edit.html", lib=lib, values=request.form, errors=exc.fields,
                               entry_id=None), 422
    return redirect(url_for("emergency.entry", entry_id=version.entry_id))


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int) -> ResponseReturnValue:
    page = pages.entry_page(db(), actor(), entry_id, None)
    entries.require_editor(actor())
    if request.method == "GET":
        values = {k: "; ".join(v) if isinstance(v, list) else v for k, v in page.latest.fields.items()}
        return render_template("emergency/edit.html", lib=page.library, values=values | {"source": page.latest.source},
                               errors={}, entry_id=entry_id)
    try:
        entries.revise(db(), actor(), entry_id, _form(page.library), source=request.form.get("source", ""))
    except InvalidInput as exc:
        db().rollback()
        return render_template("emergency/edit.html", lib=page.library, values=request.form, errors=exc.fields,
                               entry_id=entry_id), 422
    return redirect(url_for("emergency.entry", entry_id=entry_id))


@bp.post("/versions/<int:version_id>/submit")
@login_required
def submit(version_id: int) -> ResponseReturnValue:
    review.submit(db(), actor(), version_id, note=request.form.get("note", "")[:2000])
    return redirect(url_for("emergency.entry", entry_id=entries.version_by_id(db(), version_id).entry_id))


@bp.route("/<library>/import", methods=["GET", "POST"])
@login_required
def import_entries(library: str) -> ResponseReturnValue:
    lib = kinds.library(library)
    entries.require_editor(actor())
    upload = request.files.get("file")
    if request.method == "GET" or upload is None:
        return render_template("emergency/import.html", lib=lib, rows=None, error=None)
    content, name = upload.read(), upload.filename or "upload.csv"
    try:
        if request.form.get("action") != "import":
            return render_template("emergency/import.html", lib=lib, rows=intake.preview(lib.key, content, name),
                                   error=None)
        drafts = intake.import_file(db(), actor(), lib.key, content, name)
    except (InvalidInput, InvalidFile) as exc:
        db().rollback()
        return render_template("emergency/import.html", lib=lib, rows=None, error=exc.message), 422
    return redirect(url_for("emergency.library", library=lib.key, status="draft", imported=len(drafts)))


@bp.post("/entries/<int:entry_id>/attachments")
@login_required
def add_attachment(entry_id: int) -> ResponseReturnValue:
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InvalidInput("file is required", fields={"file": ["请选择文件 (choose a file)"]})
    attachments.add(db(), files(), actor(), entry_id, upload.stream, upload.filename)
    return redirect(url_for("emergency.entry", entry_id=entry_id))


@bp.post("/entries/<int:entry_id>/attachments/<int:attachment_id>/remove")
@login_required
def remove_attachment(entry_id: int, attachment_id: int) -> ResponseReturnValue:
    attachments.remove(db(), actor(), entry_id, attachment_id)
    return redirect(url_for("emergency.entry", entry_id=entry_id))


@bp.get("/entries/<int:entry_id>/versions/<int:number>/attachments/<int:attachment_id>")
@login_required
def attachment(entry_id: int, number: int, attachment_id: int) -> ResponseReturnValue:
    found, stream = attachments.open_file(db(), files(), actor(), entry_id, number, attachment_id)
    return send_download(stream, found.display_name, found.media_type)


def _form(lib: kinds.Library) -> dict[str, Any]:
    return {f.name: request.form.get(f.name, "").strip() for f in lib.fields if request.form.get(f.name, "").strip()}
