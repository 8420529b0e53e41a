"""Library search over 20,000 published entries: p50/p95 of the full-text search against a LIKE scan, per backend.

    .venv/bin/python -m bench.library_search [--entries 20000] [--rounds 20] [--backends sqlite,postgres]

Each backend gets a fresh migrated database with the starter libraries
(:mod:`engine.emergency.library.seed`) and synthetic entries written in bulk the way
:func:`engine.emergency.library.search.index` writes them (same tokens, same FTS5 rows).
Every query runs ``rounds`` times through :func:`search.search` (ranked, highlighted, what the
pages and the API call) and through :func:`search.like_scan` (the baseline: ``text LIKE '%q%'``).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Callable

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from bench.databases import DEFAULT_PG_URL, bench_database, machine
from engine import processes
from engine.db import make_engine, utcnow
from engine.emergency.library import search, seed
from engine.emergency.library.identifiers import cas_check_digit
from engine.emergency.library.models import LibraryEntry, LibrarySearchRow, LibraryVersion

QUERIES = ("苯酚", "氯气", "7782-50-5", "环发〔2015〕4号", "应急预案", "泄漏", "甲醇", "1017", "HJ 941-2018", "突发环境事件")
WORDS = ("储罐", "泄漏", "应急", "处置", "监测", "河流", "企业", "园区", "废水", "废气", "爆炸", "火灾", "中毒", "疏散",
         "围堵", "吸附", "中和", "稀释", "转移", "预案", "演练", "物资", "风险", "评估", "备案", "隐患", "排查", "管网",
         "阀门", "装置", "运输", "车辆", "仓库", "水源", "饮用水", "土壤", "大气", "环境", "事件", "报告")


def _cas(rng: random.Random) -> str:
    body = f"{rng.randint(50, 99999)}{rng.randint(10, 99)}"
    return f"{body[:-2]}-{body[-2:]}-{cas_check_digit(body)}"


def _fake(rng: random.Random, i: int) -> tuple[str, dict[str, object]]:
    title = "".join(rng.sample(WORDS, 3)) + f"{i}"
    if i % 2:
        return "chemical", {"name_zh": title, "cas": _cas(rng), "un_number": f"{rng.randint(1001, 3500)}",
                            "properties": "，".join(rng.choices(WORDS, k=30))}
    number = f"{rng.choice(['环发', '环办', '粤环', '粤环函'])}〔{rng.randint(2000, 2026)}〕{rng.randint(1, 300)}号"
    return "policy", {"title": title, "document_number": number, "level": "provincial",
                      "full_text": "。".join("".join(rng.choices(WORDS, k=12)) for _ in range(15))}


def fill(session: Session, count: int) -> None:
    """Publish ``count`` synthetic entries in bulk (same rows as the publish path, no audit per entry)."""
    rng = random.Random(19)
    now = utcnow()
    sqlite = session.get_bind().dialect.name == "sqlite"
    for start in range(0, count, 1000):
        batch = [_fake(rng, i) for i in range(start, min(count, start + 1000))]
        ids = [session.execute(insert(LibraryEntry).values(library=lib, title=str(f.get("name_zh") or f["title"]),
                                                           status="published", published_version=1, created_by="bench",
                                                           created_at=now, updated_at=now)
                               .returning(LibraryEntry.id)).scalar_one() for lib, f in batch]
        session.execute(insert(LibraryVersion), [
            {"entry_id": i, "number": 1, "status": "published", "fields": f, "attachments": [], "source": "bench",
             "remarks": "", "drafted_by": "bench", "created_at": now, "published_at": now}
            for i, (_, f) in zip(ids, batch, strict=True)])
        rows = [{"id": i, "library": lib, "tokens": " ".join(search.tokens(search.flatten(f))),
                 "text": search.flatten(f), "keys": "\n".join(search.identity_keys(lib, f))}
                for i, (lib, f) in zip(ids, batch, strict=True)]
        session.execute(insert(LibrarySearchRow), rows)
        if sqlite:
            session.execute(text("INSERT INTO library_fts(rowid, tokens) VALUES (:id, :tokens)"), rows)
    if not sqlite:
        session.execute(text("ANALYZE library_search"))


def timings(fn: Callable[[str], object], rounds: int) -> dict[str, object]:
    samples: list[float] = []
    per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
    for _ in range(rounds):
        for query in QUERIES:
            began = time.perf_counter()
            fn(query)
            per_query[query].append((time.perf_counter() - began) * 1000)
    for values in per_query.values():
        samples += values
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2), "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 2),
            "queries": len(samples),
            "median_ms_per_query": {q: round(statistics.median(v), 1) for q, v in per_query.items()}}


def run(backend: str, pg_url: str, count: int, rounds: int) -> dict[str, object]:
    with bench_database(backend, pg_url) as url:
        engine = make_engine(url)
        with Session(engine) as session, session.begin():
            seed.seed(session)
            fill(session, count)
        with Session(engine) as session:
            found = {q: len(search.search(session, q)) for q in QUERIES}
            result = {"backend": backend, "entries": count,
                      "search": timings(lambda q: search.search(session, q), rounds),
                      "like_scan": timings(lambda q: search.like_scan(session, q), rounds), "hits": found}
        engine.dispose()
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--pg-url", default=os.environ.get("ECOLOOP_BENCH_PG_URL", DEFAULT_PG_URL))
    args = parser.parse_args()
    processes.wire()
    print(json.dumps({"machine": machine(args.pg_url), "load average": os.getloadavg()}, ensure_ascii=False, indent=1))
    for backend in args.backends.split(","):
        print(json.dumps(run(backend, args.pg_url, args.entries, args.rounds), ensure_ascii=False))


if __name__ == "__main__":
    main()
