"""A simulated tax bureau's batches, made from the permits the environment side offers (as the real bureau
learns outlets and pollutants): taxpayers, tax sources, a month's returns, payments and review requests, with a
share of bad records (wrong check character, unit that does not fit, unknown source), one corrected return and
one batch sent twice. Used by ``ecoloop tax simulate`` (over HTTP, with the tax client's token) and by the demo.

Tax amounts follow the Environmental Protection Tax Law's annex 2 pollution-equivalent values and Guangdong's
rates (广东省人大常委会 2017: 大气 1.8 元, 水 2.8 元 per pollution equivalent).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from engine.exchange import canonical

CHINA = timezone(timedelta(hours=8))
EQUIVALENT_KG = {"a21026": 0.95, "a21002": 0.95, "a34013": 2.18, "a21005": 16.7, "w01018": 1.0, "w21003": 0.8,
                 "w21011": 0.25, "w21001": 1.0, "w01012": 4.0}
RATE_YUAN = {"air": 1.8, "water": 2.8}
UNIT = {"air": "mg/m3", "water": "mg/L"}


@dataclass
class Round:
    """One round's batches in sending order (a resend appears twice) and what was planted."""

    batches: list[dict[str, Any]] = field(default_factory=list)
    bad_records: int = 0
    resends: int = 0
    corrections: int = 0


@dataclass
class TaxBureau:
    """The simulated bureau: ``sequence_base`` keeps sequences and batch numbers apart between runs."""

    sequence_base: int
    seed: int = 0
    bad_share: float = 0.05
    counter: int = 0

    def round(self, permits: Sequence[Mapping[str, Any]], month: str, today: date) -> Round:
        """Batches of every tax-side category for ``month``, from the permit records pulled."""
        rng = random.Random(f"{self.seed}/{month}")
        result = Round()
        taxpayers = [self._taxpayer(p) for p in permits if p.get("credit_code")]
        sources = [s for p in permits for s in self._sources(p)]
        returns = [self._return(s, month, today, rng) for s in sources]
        payments = self._payments(returns, today)
        taxpayers += self._bad(result, rng, [self._bad_code(t) for t in taxpayers], len(taxpayers))
        returns_bad = self._bad(result, rng, [self._unit_mismatch(r) for r in returns]
                                + [self._unknown_source(r) for r in returns], len(returns))
        self._add(result, "taxpayers", month, taxpayers)
        self._add(result, "tax_sources", month, sources)
        returns_batch = self._add(result, "tax_returns", month, returns + returns_bad)
        if returns_batch:
            result.batches.append(returns_batch)  # the network dropped the answer: the same batch again
            result.resends += 1
        if returns:
            corrected = dict(returns[0], emission=round(returns[0]["emission"] * 1.1, 3))
            self._add(result, "tax_returns", month, [corrected])
            result.corrections += 1
        self._add(result, "tax_payments", month, payments)
        self._add(result, "review_requests", month, self._reviews(returns, month, rng))
        return result

    def _add(self, result: Round, category: str, month: str, records: list[dict[str, Any]]) -> dict[str, Any]:
        if not records:
            return {}
        self.counter += 1
        sequence = self.sequence_base + self.counter
        body = {"batch_no": f"SIM-{category}-{sequence}", "category": category, "period": month,
                "sequence": sequence, "record_count": len(records), "checksum": canonical.checksum(records),
                "records": records}
        result.batches.append(body)
        return body

    def _bad(self, result: Round, rng: random.Random, candidates: list[dict[str, Any]], base: int
             ) -> list[dict[str, Any]]:
        count = min(len(candidates), round(base * self.bad_share))
        chosen = rng.sample(candidates, count) if count else []
        result.bad_records += len(chosen)
        return chosen

    @staticmethod
    def _taxpayer(permit: Mapping[str, Any]) -> dict[str, Any]:
        return {"credit_code": permit["credit_code"], "name": permit.get("name") or permit["credit_code"],
                "region_code": permit["region_code"], "tax_authority": f"国家税务总局{permit['region_code']}税务局",
                "status": "normal"}

    @staticmethod
    def _sources(permit: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [{"source_no": f"SY{permit['credit_code'][-10:]}{outlet['outlet_code']}{pollutant['code']}",
                 "credit_code": permit["credit_code"], "outlet_code": outlet["outlet_code"],
                 "pollutant_kind": outlet["kind"], "pollutant_code": pollutant["code"], "method": "automatic",
                 "permit_number": permit.get("permit_number") or "", "valid_from": "2024-01-01"}
                for outlet in permit.get("outlets", []) if outlet.get("outlet_code") and outlet["kind"] in UNIT
                for pollutant in outlet.get("pollutants", []) if pollutant.get("code") in EQUIVALENT_KG]

    @staticmethod
    def _return(source: Mapping[str, Any], month: str, today: date, rng: random.Random) -> dict[str, Any]:
        kind, code = source["pollutant_kind"], source["pollutant_code"]
        emission = round(rng.uniform(50, 5000), 3)
        equivalents = round(emission / EQUIVALENT_KG[code], 2)
        return {"return_no": f"SB{month.replace('-', '')}{source['credit_code'][-8:]}",
                "credit_code": source["credit_code"], "source_no": source["source_no"],
                "outlet_code": source["outlet_code"], "pollutant_code": code, "month": month,
                "concentration": round(rng.uniform(5, 40), 2), "concentration_unit": UNIT[kind],
                "emission": emission, "emission_unit": "kg", "equivalents": equivalents,
                "tax_amount": f"{equivalents * RATE_YUAN[kind]:.2f}", "declared_on": today.isoformat()}

    @staticmethod
    def _payments(returns: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
        totals: dict[tuple[str, str, str], float] = {}
        for line in returns:
            key = (line["return_no"], line["credit_code"], line["month"])
            totals[key] = totals.get(key, 0.0) + float(line["tax_amount"])
        return [{"payment_no": f"RK{number}", "credit_code": credit, "return_no": number, "tax_period": month,
                 "amount": f"{amount:.2f}", "paid_on": today.isoformat()}
                for (number, credit, month), amount in sorted(totals.items())]

    def _reviews(self, returns: list[dict[str, Any]], month: str, rng: random.Random) -> list[dict[str, Any]]:
        picked = rng.sample(returns, min(2, len(returns)))
        return [{"request_no": f"FH{self.sequence_base + self.counter}{n}", "credit_code": line["credit_code"],
                 "tax_period": month, "reason": "abnormal_return",
                 "reported": [{"pollutant": line["pollutant_code"], "outlet": line["outlet_code"],
                               "emission_kg": line["emission"], "concentration": line["concentration"],
                               "unit": line["concentration_unit"]}],
                 "note": "申报排放量明显低于上年同期"} for n, line in enumerate(picked)]

    @staticmethod
    def _bad_code(taxpayer: Mapping[str, Any]) -> dict[str, Any]:
        code = taxpayer["credit_code"]
        wrong = "0" if code[-1] != "0" else "1"
        return {**taxpayer, "credit_code": code[:-1] + wrong}

    @staticmethod
    def _unit_mismatch(line: Mapping[str, Any]) -> dict[str, Any]:
        other = "mg/L" if line["concentration_unit"] == "mg/m3" else "mg/m3"
        return {**line, "return_no": f"{line['return_no']}U", "concentration_unit": other}

    @staticmethod
    def _unknown_source(line: Mapping[str, Any]) -> dict[str, Any]:
        return {**line, "return_no": f"{line['return_no']}S", "source_no": "SY-NOT-REGISTERED"}


def last_month(now: datetime) -> str:
    first = now.astimezone(CHINA).date().replace(day=1)
    previous = first - timedelta(days=1)
    return f"{previous.year:04d}-{previous.month:02d}"


EPOCH = datetime(2020, 1, 1, tzinfo=CHINA)


def sequence_base(now: datetime) -> int:
    """Minutes since 2020 × 100: a new run's sequences come after every earlier run's (and fit 32 bits)."""
    return int((now - EPOCH).total_seconds()) // 60 * 100
