"""Library entries, their versions (each published change is a new one), links between entries and the search rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime, utcnow


class LibraryEntry(Base):
    """One record of a library (a chemical, a policy document …); what it says lives in its versions."""

    __tablename__ = "library_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    library: Mapped[str] = mapped_column(String(20), index=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    published_version: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LibraryVersion(Base):
    """One version of an entry: a draft, under review, returned, published or superseded."""

    __tablename__ = "library_versions"
    __table_args__ = (UniqueConstraint("entry_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("library_entries.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attachments: Mapped[list[int]] = mapped_column(JSON, default=list)
    source: Mapped[str] = mapped_column(Text, default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    drafted_by: Mapped[str] = mapped_column(String(100))
    reviewed_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)


class LibraryLink(Base):
    """A published entry's reference to another by key (a case involves CAS 7782-50-5, a document amends 环发〔2010〕113号).

    Kept by key, not by id, so a reference written before its target is published links once it is.
    """

    __tablename__ = "library_links"
    __table_args__ = (UniqueConstraint("from_entry_id", "target_library", "target_key", "relation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_entry_id: Mapped[int] = mapped_column(ForeignKey("library_entries.id"), index=True)
    target_library: Mapped[str] = mapped_column(String(20))
    target_key: Mapped[str] = mapped_column(String(200), index=True)
    relation: Mapped[str] = mapped_column(String(20))


class LibrarySearchRow(Base):
    """The published version of an entry as search tokens (see :mod:`engine.emergency.library.search`).

    SQLite mirrors ``tokens`` into the FTS5 table ``library_fts`` (rowid = id); PostgreSQL indexes
    the expression ``to_tsvector('simple', tokens)`` (GIN) and keeps the vector of the tokens' first
    600 characters in the generated column ``head_tsv`` (not mapped here) for ranking.
    """

    __tablename__ = "library_search"

    id: Mapped[int] = mapped_column(ForeignKey("library_entries.id"), primary_key=True)
    library: Mapped[str] = mapped_column(String(20), index=True)
    tokens: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")
    keys: Mapped[str] = mapped_column(Text, default="")
