"""Verify a revealed EcoLoop draw from its published files, with nothing of EcoLoop — only docs/inspection-draw.md.

Download ``/public/inspection/draws/<id>/inputs.json`` and ``…/result.json`` from the public page, then::

    python3 verify_draw.py inputs.json result.json

Exit status 0 when the seed matches its commitment, the inputs match their hash and the recomputed result is
identical to the published one; 1 otherwise (each check printed).
"""

import hashlib
import json
import sys


def canonical(x):
    return json.dumps(x, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sha(data):
    return hashlib.sha256(data).hexdigest()


def h(seed, *parts):
    return sha("|".join([seed] + [str(p) for p in parts]).encode("utf-8"))


def draw(inputs, seed):
    chosen = []
    for cls in ("special", "key", "general", "campaign"):
        ids = [oid for oid, c in inputs["objects"] if c == cls]
        ids.sort(key=lambda oid: (h(seed, "object", cls, oid), oid))
        chosen += [(oid, cls) for oid in ids[:inputs["quotas"].get(cls, 0)]]
    barred = {}
    for oid, officer in inputs["conflicts"]["linked"] + inputs["conflicts"]["previous"]:
        barred.setdefault(oid, set()).add(officer)
    load = {o: 0 for o in inputs["officers"]}
    pairs = {}
    for oid, _ in chosen:
        eligible = [o for o in inputs["officers"] if o not in barred.get(oid, set())]
        eligible.sort(key=lambda o: (load[o], h(seed, "officer", oid, o), o))
        pairs[oid] = eligible[:inputs["officers_per_unit"]]
        for o in pairs[oid]:
            load[o] += 1
    by_date = sorted((oid for oid, _ in chosen), key=lambda oid: (h(seed, "date", oid), oid))
    n, m = len(by_date), len(inputs["dates"])
    dates = {oid: inputs["dates"][k * m // n] for k, oid in enumerate(by_date)}
    return [[pos, oid, cls, pairs[oid], dates[oid]] for pos, (oid, cls) in enumerate(chosen)]


def main(inputs_file, result_file):
    published = json.load(open(inputs_file, encoding="utf-8"))
    result = json.load(open(result_file, encoding="utf-8"))
    seed, inputs = published["seed"], published["inputs"]
    recomputed = draw(inputs, seed)
    checks = {
        "seed matches its commitment": sha(seed.encode("ascii")) == published["seed_commitment"],
        "inputs match their hash": sha(canonical(inputs)) == published["inputs_hash"],
        "result recomputed identically": recomputed == result["result"],
        "result hash": sha(canonical(recomputed)) == result["result_hash"],
    }
    for name, ok in checks.items():
        print(("OK  " if ok else "BAD ") + name)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
