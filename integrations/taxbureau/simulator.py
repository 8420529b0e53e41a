"""A simulated tax bureau talking to EcoLoop's API with the tax client's token, as the real bureau's system does:
it pulls the permits to learn outlets, pushes a round of batches (with bad records, a resend and a correction)
and pulls every environment-side category since its cursors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import requests

from engine.exchange.simulation import TaxBureau, last_month, sequence_base

log = logging.getLogger(__name__)

ENVIRONMENT_CATEGORIES = ("permits", "online_monitoring", "supervisory_monitoring", "penalties", "review_feedback")


@dataclass
class Report:
    batches: int = 0
    resent_answers: int = 0
    accepted: int = 0
    refused: int = 0
    unchanged: int = 0
    pulled: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


class ExchangeClient:
    """The API's exchange endpoints over HTTP with a bearer token."""

    def __init__(self, base_url: str, token: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        self.timeout = timeout

    def push(self, batch: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        response = self.http.post(f"{self.base_url}/api/v1/exchange/batches", json=batch, timeout=self.timeout)
        return response.status_code, response.json()

    def pull_all(self, category: str, cursor: str) -> tuple[list[dict[str, Any]], str]:
        records: list[dict[str, Any]] = []
        while True:
            response = self.http.get(f"{self.base_url}/api/v1/exchange/records/{category}",
                                     params={"cursor": cursor, "limit": "1000"}, timeout=self.timeout)
            response.raise_for_status()
            page = response.json()
            records += page["records"]
            cursor = page["cursor"]
            if not page["more"]:
                return records, cursor


def wait_until_up(base_url: str, seconds: float) -> None:
    """Wait for the server's health endpoint (the demo starts the simulator beside the server)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if requests.get(f"{base_url.rstrip('/')}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base_url} did not answer within {seconds:.0f} s")
        time.sleep(1)


def run_round(client: ExchangeClient, bureau: TaxBureau, cursors: dict[str, str],
              now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> Report:
    """Pull the permits, push a round of batches, pull every environment-side category since its cursor."""
    report = Report()
    permits, cursors["permits"] = client.pull_all("permits", "")  # the whole register, each round
    moment = now()
    plan = bureau.round([record["payload"] for record in permits], last_month(moment), moment.date())
    for batch in plan.batches:
        status, answer = client.push(batch)
        report.batches += 1
        if status not in (200, 201):
            report.errors.append(f"{batch['batch_no']}: HTTP {status} {answer.get('detail', '')}")
            continue
        report.resent_answers += 1 if answer["resent"] else 0
        if not answer["resent"]:
            report.accepted += answer["accepted"]
            report.refused += answer["refused"]
            report.unchanged += answer["unchanged"]
    for category in ENVIRONMENT_CATEGORIES[1:]:
        records, cursors[category] = client.pull_all(category, cursors.get(category, ""))
        report.pulled[category] = len(records)
    report.pulled["permits"] = len(permits)
    return report


def simulate(base_url: str, token: str, *, rounds: int, interval: float, seed: int, bad_share: float,
             log_report: Callable[[Report], None]) -> list[Report]:
    """Run ``rounds`` rounds (0: until stopped), ``interval`` seconds apart."""
    client = ExchangeClient(base_url, token)
    bureau = TaxBureau(sequence_base(datetime.now(timezone.utc)), seed=seed, bad_share=bad_share)
    cursors: dict[str, str] = {}
    reports = []
    done = 0
    while rounds == 0 or done < rounds:
        report = run_round(client, bureau, cursors)
        log_report(report)
        reports.append(report)
        done += 1
        if rounds == 0 or done < rounds:
            time.sleep(interval)
    return reports
