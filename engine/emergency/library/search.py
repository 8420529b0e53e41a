"""Chinese full-text search over the published library entries, the same on SQLite and PostgreSQL.

Text is cut into tokens here, in Python, and the database's stock full-text index does
the rest: Chinese runs become overlapping character bigrams plus single characters, Latin
letters and digits become words, and identifiers joined by hyphens (CAS 7782-50-5, HJ 941-2018)
also become one joined word. Every Chinese token is written as ASCII (``u`` and the code
points in hex), so SQLite's FTS5 ``unicode61`` tokenizer and PostgreSQL's ``'simple'``
configuration both take each token verbatim. A query is cut the same way (bigrams only for
runs of two or more characters) and all its tokens must match; ranking is FTS5's bm25 or, on
PostgreSQL, ts_rank over the head of the entry's tokens (its name or title and identifiers come
first), with an exact hit of the whole query in the title first; matches are
highlighted in Python on the stored text. Why this and not jieba: docs/architecture.md.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from engine.emergency.library.identifiers import (
    document_number_problem,
    normal_document_number,
    normal_un,
    valid_cas,
)
from engine.emergency.library.models import LibraryEntry, LibrarySearchRow

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
PIECES = re.compile(rf"[{CJK}]+|[0-9a-z]+(?:[-/.][0-9a-z]+)*")
MAX_RESULTS = 200


def _cjk(run: str, query: bool) -> list[str]:
    chars = list(run)
    bigrams = [a + b for a, b in zip(chars, chars[1:])]
    if query:
        return bigrams or chars
    return chars + bigrams


def _word(token: str) -> str:
    if token.isascii():
        return token
    return "u" + "".join(f"{ord(char):x}" for char in token)


def tokens(value: str, *, query: bool = False) -> list[str]:
    """The index (or query) tokens of ``value``, each an ASCII word."""
    result: list[str] = []
    for piece in PIECES.findall(normal_document_number(value).lower() if query else value.lower()):
        if not piece.isascii():
            result.extend(_word(t) for t in _cjk(piece, query))
            continue
        parts = [p for p in re.split(r"[-/.]", piece) if p]
        joined = "".join(parts)
        if query:
            result.append(joined)
        else:
            result.extend(parts + ([joined] if len(parts) > 1 else []))
    return result


def identity_keys(library: str, fields: dict[str, Any]) -> set[str]:
    """What names the entry exactly: title, identifiers and aliases, normalised (an exact hit ranks first)."""
    names = [fields.get(k) for k in ("title", "name_zh", "name_en", "event", "name", "cas", "un_number",
                                     "document_number")]
    return {_exact(str(v)) for v in [*names, *(fields.get("aliases") or [])] if v}


def is_identifier(query: str) -> bool:
    text = query.strip()
    return bool(valid_cas(text) or normal_un(text) or document_number_problem(text, 9999) is None)


def _exact(value: str) -> str:
    return re.sub(r"\s+", "", normal_document_number(value).lower())


def flatten(fields: dict[str, Any]) -> str:
    return " ".join(" ".join(map(str, v)) if isinstance(v, list) else str(v) for v in fields.values() if v not in ("", None))


def index(session: Session, entry: LibraryEntry, fields: dict[str, Any]) -> None:
    """Replace the search row of ``entry`` with its published ``fields``."""
    unindex(session, entry.id)
    body = flatten(fields)
    row = LibrarySearchRow(id=entry.id, library=entry.library, tokens=" ".join(tokens(body)), text=body[:20000],
                           keys="\n".join(sorted(identity_keys(entry.library, fields))))
    session.add(row)
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO library_fts(rowid, tokens) VALUES (:id, :tokens)"),
                        {"id": row.id, "tokens": row.tokens})


def unindex(session: Session, entry_id: int) -> None:
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("DELETE FROM library_fts WHERE rowid = :id"), {"id": entry_id})
    session.execute(delete(LibrarySearchRow).where(LibrarySearchRow.id == entry_id))


@dataclass(frozen=True)
class Hit:
    entry_id: int
    library: str
    title: str
    snippet: str
    rank: float


def search(session: Session, query: str, *, libraries: Sequence[str] = (), limit: int = 20) -> list[Hit]:
    """Published entries matching every token of ``query``, best first, with highlighted snippets."""
    words = list(dict.fromkeys(tokens(query, query=True)))
    if not words:
        return []
    ranked = _matches(session, words, libraries)
    if not ranked:
        return []
    heads = {i: (library, keys.split("\n"), title) for i, library, keys, title in session.execute(
        select(LibrarySearchRow.id, LibrarySearchRow.library, LibrarySearchRow.keys, LibraryEntry.title)
        .join(LibraryEntry, LibraryEntry.id == LibrarySearchRow.id).where(LibrarySearchRow.id.in_(ranked))).tuples()}
    needle = _exact(query)
    if is_identifier(query):  # a CAS, UN or document number matches as written, not token by token
        texts = _texts(session, list(ranked))
        ranked = {i: score for i, score in ranked.items() if needle in _exact(texts[i])}
    order = sorted(ranked, key=lambda i: (needle not in heads[i][1], needle not in _exact(heads[i][2]), -ranked[i]))
    shown = order[:limit]
    texts = _texts(session, shown)  # the stored text only of the hits shown, for their snippets
    return [Hit(i, heads[i][0], heads[i][2], highlight(texts[i], query), ranked[i]) for i in shown]


def _texts(session: Session, ids: list[int]) -> dict[int, str]:
    return dict(session.execute(select(LibrarySearchRow.id, LibrarySearchRow.text)
                                .where(LibrarySearchRow.id.in_(ids))).tuples().all())


# Entries whose head (name or title and identifiers come first in the tokens) matches, ranked on
# the small head vector through its own GIN index; then, unranked, entries matching only further
# in, through the GIN expression index, which stops at the limit. Neither reads a whole entry's
# vector, so a word found in most entries costs what its head matches cost (docs/architecture.md).
_POSTGRES_MATCHES = """
(SELECT s.id, ts_rank(s.head_tsv, to_tsquery('simple', :q)) AS r FROM library_search s
  WHERE s.head_tsv @@ to_tsquery('simple', :q) {wanted} ORDER BY r DESC, s.id LIMIT :limit)
UNION ALL
(SELECT s.id, 0.0 AS r FROM library_search s
  WHERE to_tsvector('simple', s.tokens) @@ to_tsquery('simple', :q) AND NOT s.head_tsv @@ to_tsquery('simple', :q)
  {wanted} LIMIT :limit)"""


def _matches(session: Session, words: list[str], libraries: Sequence[str]) -> dict[int, float]:
    """Entry id → score (higher is better) of the rows holding every word."""
    wanted = f"AND s.library IN ({', '.join(f':lib{i}' for i in range(len(libraries)))})" if libraries else ""
    params: dict[str, Any] = {f"lib{i}": lib for i, lib in enumerate(libraries)}
    params["limit"] = MAX_RESULTS
    if session.get_bind().dialect.name == "sqlite":
        params["q"] = " ".join(f'"{w}"' for w in words)
        join = "JOIN library_search s ON s.id = f.rowid" if libraries else ""
        sql = (f"SELECT f.rowid, -rank FROM library_fts f {join} "
               f"WHERE library_fts MATCH :q {wanted} ORDER BY rank LIMIT :limit")
    else:
        params["q"] = " & ".join(words)
        sql = _POSTGRES_MATCHES.format(wanted=wanted)
    rows = session.execute(text(sql), params).tuples().all()[:MAX_RESULTS]
    return {int(row[0]): float(row[1]) for row in rows}


def like_scan(session: Session, query: str, *, limit: int = 20) -> list[int]:
    """The baseline the benchmark compares with: a LIKE scan over the stored text."""
    pattern = "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return list(session.scalars(select(LibrarySearchRow.id).where(LibrarySearchRow.text.like(pattern, escape="\\"))
                                .limit(limit)))


def highlight(body: str, query: str, width: int = 60) -> str:
    """HTML-escaped excerpt of ``body`` around the first match, each query term wrapped in <mark>."""
    terms = _terms(query)
    lowered = body.lower()
    first = min((p for p in (lowered.find(t) for t in terms) if p >= 0), default=0)
    start = max(0, first - width // 2)
    excerpt = body[start:start + width * 2]
    if not terms:
        return html.escape(excerpt)
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)), re.IGNORECASE)
    out, last = [], 0
    for match in pattern.finditer(excerpt):
        out += [html.escape(excerpt[last:match.start()]), f"<mark>{html.escape(match.group())}</mark>"]
        last = match.end()
    out.append(html.escape(excerpt[last:]))
    return ("…" if start else "") + "".join(out) + ("…" if start + width * 2 < len(body) else "")


def _terms(query: str) -> list[str]:
    whole = normal_document_number(query.strip())
    parts: Iterable[str] = re.split(r"\s+", whole)
    return [p.lower() for p in dict.fromkeys([whole, *parts]) if p]
