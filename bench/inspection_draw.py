"""Inspection draw benchmark: one quarter's draw for every body of the province (21 city bureaus and every
county bureau) over ``--objects`` directory objects and ``--officers`` officers, against a naive baseline.

A throw-away database (PostgreSQL by default, ``--backend sqlite`` for SQLite) gets the objects spread over
Guangdong's counties (3 % special, 20 % key, the rest general), the officers spread over the bodies, one
officer in ten linked to an enterprise of his body, one item and a regular plan per body with the default
quotas. Then, in the same run:

- ``service``: for every plan, :func:`engine.inspection.draws.commit` (freeze the inputs from the database,
  seed, both hashes, audit) and :func:`engine.inspection.draws.run` (algorithm, assignments written, audit),
  one transaction per body — the time a province-wide draw day takes;
- ``algorithm``: ``ecoloop-draw-v1`` alone on the frozen inputs of every body;
- ``naive``: the baseline — the same specification written the obvious way: for every drawn object, each
  officer's load counted again over the assignments so far and every officer of the province hashed,
  sorted and filtered by body and conflicts; its result is checked equal to the algorithm's.

Usage: ``python -m bench.inspection_draw [--objects 40000] [--officers 2000] [--backend postgres|sqlite]``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bench.databases import DEFAULT_PG_URL, bench_database, machine
from engine.actors import Actor, Role
from engine.db import make_engine
from engine.inspection import algorithm, draws, plans
from engine.inspection.algorithm import Assignment, excluded_pairs, rank
from engine.inspection.models import Draw, InspectionItem, InspectionObject, Officer, OfficerLink
from engine.monitoring.models import Enterprise
from engine.regions import RegionLevel, region_tree

TARGET_S = 5.0
QUARTER = (date(2026, 10, 1), date(2026, 12, 31))


def bodies() -> list[tuple[str, str]]:
    """(region code, level) of every enforcement body: each city bureau and each county bureau."""
    tree = region_tree()
    found = []
    for city in tree.cities():
        found.append((city.code, "city"))
        found.extend((county.code, "county") for county in tree.children(city.code)
                     if county.level is RegionLevel.COUNTY)
    return found


def leaves() -> list[str]:
    """The regions objects lie in: counties, and the cities without a county level (东莞, 中山)."""
    tree = region_tree()
    return [c.code for city in tree.cities() for c in (tree.children(city.code) or (city,))]


def populate(session: Session, n_objects: int, n_officers: int) -> None:
    regions, body_list = leaves(), bodies()
    enterprises = [{"credit_code": f"91{n:016d}", "name": f"基准企业{n}", "region_code": regions[n % len(regions)]}
                   for n in range(n_objects)]
    session.execute(insert(Enterprise), enterprises)
    ids = {code: eid for code, eid in session.execute(select(Enterprise.credit_code, Enterprise.id))}
    session.execute(insert(InspectionObject), [
        {"kind": "discharge_unit", "enterprise_id": ids[e["credit_code"]], "enterprise_code": e["credit_code"],
         "enterprise_name": e["name"], "project_name": "", "approval_number": "", "region_code": e["region_code"],
         "computed_class": cls, "object_class": cls, "class_reasons": [], "override_reason": "", "active": True}
        for n, e in enumerate(enterprises) for cls in [_class(n)]])
    session.execute(insert(Officer), [
        {"name": f"执法员{n}", "certificate_number": f"44{n:010d}", "unit": "执法支队",
         "region_code": body_list[n % len(body_list)][0], "status": "active", "username": f"officer{n}"}
        for n in range(n_officers)])
    officers = session.execute(select(Officer.id, Officer.region_code)).all()
    by_region: dict[str, list[str]] = {}
    for e in enterprises:
        by_region.setdefault(e["region_code"], []).append(e["credit_code"])
    links = [{"officer_id": oid, "enterprise_code": by_region.get(region, by_region[regions[0]])[0],
              "reason": "曾任职", "created_by": "bench"} for oid, region in officers[::10]]
    session.execute(insert(OfficerLink), links)
    session.add(InspectionItem(code="B1", name="排污许可执行情况", legal_basis="《排污许可管理条例》",
                               checklist=["持证排污"], object_kinds=[]))
    session.commit()


def _class(n: int) -> str:
    return "special" if n % 100 < 3 else "key" if n % 100 < 23 else "general"


def organiser(region: str, level: str) -> Actor:
    role = Role.CITY_REVIEWER if level == "city" else Role.COUNTY_REVIEWER
    return Actor(f"organiser-{region}", frozenset({role}), region)


def make_plans(session: Session) -> list[tuple[int, Actor]]:
    item_id = session.scalars(select(InspectionItem.id)).one()
    made = []
    for region, level in bodies():
        actor = organiser(region, level)
        plan = plans.create(session, actor, plans.PlanInput(
            title=f"{region} 第四季度双随机抽查", kind="regular", body_region_code=region, period_start=QUARTER[0],
            period_end=QUARTER[1], inspect_from=QUARTER[0], inspect_to=QUARTER[1], item_ids=(item_id,)))
        made.append((plan.id, actor))
    session.commit()
    return made


def service_run(session: Session, made: list[tuple[int, Actor]]) -> tuple[float, float, int]:
    """Wall seconds, this process's CPU seconds (the database server's are not counted), bodies drawn."""
    start, cpu, drawn = time.perf_counter(), time.process_time(), 0
    for plan_id, actor in made:
        committed = draws.commit(session, actor, plan_id)
        draws.run(session, actor, committed.id)
        session.commit()
        drawn += 1
    return time.perf_counter() - start, time.process_time() - cpu, drawn


def naive_run(inputs: dict[str, Any], seed: str, all_officers: dict[int, str]) -> list[Assignment]:
    """The specification written the obvious way (the baseline): no buckets, no per-body officer list."""
    by_class: dict[str, list[int]] = {}
    for object_id, object_class in inputs["objects"]:
        by_class.setdefault(object_class, []).append(object_id)
    chosen = [(oid, cls) for cls in algorithm.CLASS_ORDER for oid in sorted(
        by_class.get(cls, ()), key=lambda o, c=cls: (rank(seed, "object", c, o), o))[:inputs["quotas"].get(cls, 0)]]
    body, excluded = inputs["plan"]["body"], excluded_pairs(inputs)
    done: list[tuple[int, ...]] = []
    pairs: dict[int, tuple[int, ...]] = {}
    for object_id, _cls in chosen:
        def order(officer_id: int, object_id: int = object_id) -> tuple[int, str, int]:
            load = sum(officer_id in pair for pair in done)  # counted again for every object: the naive part
            return load, rank(seed, "officer", object_id, officer_id), officer_id
        ranked = sorted(all_officers, key=order)
        eligible = [o for o in ranked if all_officers[o] == body and o in set(inputs["officers"])
                    and o not in excluded.get(object_id, set())]
        pairs[object_id] = tuple(eligible[:inputs["officers_per_unit"]])
        done.append(pairs[object_id])
    dates = {oid: d for oid, d in zip(sorted((o for o, _ in chosen), key=lambda o: (rank(seed, "date", o), o)),
                                      [inputs["dates"][k * len(inputs["dates"]) // len(chosen)]
                                       for k in range(len(chosen))])}
    return [Assignment(p, oid, cls, pairs[oid], dates[oid]) for p, (oid, cls) in enumerate(chosen)]


def compare(session: Session, naive_bodies: int) -> dict[str, Any]:
    frozen = [(d.inputs, d.seed, d.result_hash) for d in session.scalars(select(Draw).order_by(Draw.id))]
    start = time.perf_counter()
    results = [algorithm.run(inputs, seed) for inputs, seed, _ in frozen]
    algorithm_s = time.perf_counter() - start
    assert all(algorithm.result_hash(r) == h for r, (_, _, h) in zip(results, frozen))
    all_officers = {oid: region for oid, region in session.execute(select(Officer.id, Officer.region_code))}
    sample = frozen[:naive_bodies]
    start = time.perf_counter()
    naive = [naive_run(inputs, seed, all_officers) for inputs, seed, _ in sample]
    naive_s = time.perf_counter() - start
    assert naive == results[:len(sample)], "the baseline must draw the same result"
    sampled = sum(len(r) for r in naive)
    total = sum(len(r) for r in results)
    return {"algorithm_s": round(algorithm_s, 3), "assignments": total,
            "naive_sample_bodies": len(sample), "naive_sample_s": round(naive_s, 3),
            "naive_extrapolated_s": round(naive_s * total / max(sampled, 1), 1)}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inspection_draw", description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=40_000)
    parser.add_argument("--officers", type=int, default=2_000)
    parser.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--naive-bodies", type=int, default=20, help="bodies the slow baseline draws (extrapolated)")
    parser.add_argument("--pg-url", default=DEFAULT_PG_URL)
    args = parser.parse_args(argv)
    with bench_database(args.backend, args.pg_url) as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            populate(session, args.objects, args.officers)
            made = make_plans(session)
            service_s, service_cpu_s, drawn = service_run(session, made)
            figures = compare(session, args.naive_bodies)
        engine.dispose()
    figures.update(service_s=round(service_s, 3), service_cpu_s=round(service_cpu_s, 3), bodies=drawn,
                   target_s=TARGET_S,
                   speedup_vs_naive=round(figures["naive_extrapolated_s"] / max(figures["algorithm_s"], 1e-9), 1),
                   load_average=os.getloadavg())
    print(json.dumps({"backend": args.backend, "objects": args.objects, "officers": args.officers,
                      "figures": figures, "machine": machine(args.pg_url if args.backend == "postgres" else None)},
                     ensure_ascii=False, indent=2))
    return 0 if service_s < TARGET_S else 1


if __name__ == "__main__":
    raise SystemExit(main())
