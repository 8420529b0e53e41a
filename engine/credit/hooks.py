"""Registers the process hooks of the bundled processes (imported by :func:`engine.process_hooks.registry`).

Each module below registers its own starters, start checks and step hooks when imported:

| process | module |
|---|---|
| anomaly_closure | :mod:`engine.credit.anomalies` |
| credit_objection | :mod:`engine.credit.objections` |
| credit_repair | :mod:`engine.credit.repairs` |
| tax_review | :mod:`engine.credit.tax` |
| emergency_plan_filing | :mod:`engine.credit.filings` |
| support_ticket | :mod:`engine.credit.tickets` |
"""

from __future__ import annotations

from engine.credit import anomalies, filings, objections, repairs, tax, tickets

__all__ = ["anomalies", "filings", "objections", "repairs", "tax", "tickets"]
