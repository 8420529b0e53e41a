"""``ecoloop tax simulate`` as a real process against a real ``ecoloop serve``: the simulated tax bureau pushes
every tax-side category with bad records, a resend and a correction, and pulls the environment side."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine.db import make_engine, make_session_factory
from engine.demo.bootstrap import seed
from engine.exchange import jobs
from engine.exchange.models import (
    ExchangeBatch,
    ExchangeRecordVersion,
    ExchangeRefusal,
    TaxPayment,
    TaxReturn,
    TaxSource,
    TaxTaxpayer,
)
from engine.tax.models import TaxReview
from tests.conftest import BACKENDS
from tests.support.databases import fresh_database
from tests.support.processes_live import ECOLOOP, environment, free_port, running, wait_healthy


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_simulated_bureau_round_trips_through_the_api(backend: str, tmp_path: Path) -> None:
    with fresh_database(backend, tmp_path) as url:
        engine = make_engine(url)
        sessions = make_session_factory(engine)
        with sessions.begin() as session:
            seed(session)
        jobs.publish(sessions)
        port = free_port()
        env = environment(url, tmp_path, {"ECOLOOP_RUN_SCHEDULER_IN_WEB": "0", "ECOLOOP_WEB_WORKERS": "1"})
        with running(["serve", "--port", str(port)], env, tmp_path / "serve.log") as server:
            base = f"http://127.0.0.1:{port}"
            wait_healthy(base, server)
            done = subprocess.run([*ECOLOOP, "tax", "simulate", "--url", base, "--create-token", "sim",
                                   "--rounds", "2", "--interval", "0", "--seed", "7", "--bad-share", "0.1"],
                                  env=env, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, done.stderr[-3000:]
        first, second = (json.loads(line) for line in done.stdout.strip().splitlines()[-2:])
        assert first["errors"] == [] and first["accepted"] > 0 and first["refused"] > 0
        assert first["resent_answers"] == 1 and first["pulled"]["permits"] > 0
        assert first["pulled"]["online_monitoring"] > 0 and first["pulled"]["penalties"] >= 0
        # the month is sent again: unchanged, except the corrected line (sent as first declared, then corrected:
        # two more versions) and the two new review requests
        assert second["accepted"] == 4
        assert second["unchanged"] > 0 and second["pulled"]["online_monitoring"] == 0
        with sessions() as session:
            def count(model: object) -> int:
                return int(session.scalar(select(func.count()).select_from(model)) or 0)  # type: ignore[arg-type]

            assert count(TaxTaxpayer) > 0 and count(TaxSource) > 0 and count(TaxPayment) > 0
            keys = session.scalars(select(TaxReturn.record_key)).all()
            assert len(keys) == len(set(keys)) and count(ExchangeRecordVersion) >= 1
            reasons = set(session.scalars(select(ExchangeRefusal.reason)))
            assert {"credit_code_check", "unit_mismatch", "unknown_source"} <= reasons
            assert count(TaxReview) >= 4
            assert session.scalar(select(func.count()).select_from(ExchangeBatch).where(
                ExchangeBatch.direction == "in")) == 2 * 6  # a resend is stored once
        engine.dispose()
