"""Several receiver processes on one port (``ecoloop receive --workers``): every packet stored once and answered."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine.db import make_engine, make_session_factory
from engine.monitoring.models import Measurement, MeasurementRevision
from integrations.hj212.builder import build_packet
from integrations.hj212.parser import parse_packet
from integrations.hj212.receiver import ReceiverSettings
from integrations.hj212.workers import Workers
from tests.conftest import BACKENDS
from tests.engine.monitoring.factories import AIR_MN, PASSWORD, WATER_MN, register
from tests.support.databases import fresh_database

NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)
HOURS = 12
CONNECTIONS_PER_POINT = 6


@pytest.fixture(params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker]:
    with fresh_database(request.param, tmp_path_factory.mktemp("workers")) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            register(session, since=NOW - timedelta(days=5))
        yield factory
        engine.dispose()


def packet(mn: str, hours_ago: int, value: float) -> bytes:
    moment = NOW - timedelta(hours=hours_ago)
    values = ({"a21026": {"Avg": value, "Flag": "N"}} if mn == AIR_MN else {"w01018": {"Avg": value, "Flag": "N"}})
    return build_packet(st="31" if mn == AIR_MN else "32", cn="2061", pw=PASSWORD, mn=mn,
                        qn=f"{moment:%Y%m%d%H%M%S}{hours_ago:03d}", flag=5, data_time=moment, values=values).encode()


def send_and_read(port: int, frames: list[bytes], answers: list[list[bytes]]) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(b"".join(frames))
        data = b""
        while data.count(b"\r\n") < len(frames):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    answers.append([line for line in data.split(b"\r\n") if line])


def test_two_workers_store_each_record_once_and_answer_every_packet(sessions: sessionmaker) -> None:
    """The same records arrive on many connections at once (resends), spread over two processes."""
    workers = Workers(sessions, ReceiverSettings(host="127.0.0.1", port=0, batch_wait=0.01), 2)
    frames = [[packet(mn, hours, 10.0 + hours) for hours in range(1, HOURS + 1)] for mn in (AIR_MN, WATER_MN)]
    answers: list[list[bytes]] = []
    try:
        threads = [threading.Thread(target=send_and_read, args=(workers.port, point_frames, answers))
                   for point_frames in frames for _ in range(CONNECTIONS_PER_POINT)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
    finally:
        stats = workers.stop()
    assert len(answers) == 2 * CONNECTIONS_PER_POINT
    assert all([parse_packet(a).cn for a in got] == ["9014"] * HOURS for got in answers)
    assert sum(one.get("frames", 0) for one in stats) == 2 * CONNECTIONS_PER_POINT * HOURS
    assert len(stats) == 2 and all("connections" in one or one.get("records") == 0 for one in stats)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Measurement)) == 2 * HOURS
        assert session.scalar(select(func.count()).select_from(MeasurementRevision)) == 0
