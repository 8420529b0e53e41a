"""The receiver over real TCP sockets: framing across reads, replies, password checks, limits, tasks."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from engine.db import make_engine, make_session_factory
from engine.monitoring import registry
from engine.monitoring.models import AnomalyCase, Measurement, MonitoringPoint
from engine.monitoring.synthetic import SimPoint
from engine.workflow import deployment as processes
from engine.workflow.bundle import bundled_model_files, read_model_file
from integrations.hj212.builder import build_packet
from integrations.hj212.frame import frame
from integrations.hj212.packet import Packet
from integrations.hj212.parser import parse_packet
from integrations.hj212.receiver import Receiver, ReceiverSettings
from integrations.hj212.simulator import corrupt_crc, simulate
from tests.conftest import BACKENDS
from tests.engine.monitoring.factories import (
    AIR_FACTORS,
    AIR_MN,
    PASSWORD,
    WATER_MN,
    register,
)
from tests.support.actors import ADMIN
from tests.support.databases import fresh_database

IDLE_TIMEOUT = 1.5
LOGGERS = 24
NOW = datetime.now(timezone.utc).replace(minute=0, second=0, microsecond=0)


class RunningReceiver:
    """A receiver on its own event loop in a thread, listening on a free port."""

    def __init__(self, sessions: sessionmaker) -> None:
        self.receiver = Receiver(sessions, ReceiverSettings(host="127.0.0.1", port=0, idle_timeout=IDLE_TIMEOUT,
                                                            max_garbage=4096, batch_wait=0.01))
        self.ready = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self.thread.start()
        assert self.ready.wait(10)

    async def _main(self) -> None:
        self.loop, self.stop = asyncio.get_running_loop(), asyncio.Event()
        await self.receiver.start()
        self.port = self.receiver.port
        self.ready.set()
        await self.stop.wait()
        await self.receiver.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)


@pytest.fixture(scope="module", params=BACKENDS)
def sessions(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[sessionmaker]:
    with fresh_database(request.param, tmp_path_factory.mktemp("receiver")) as url:
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory.begin() as session:
            for path in bundled_model_files():
                processes.deploy(session, ADMIN, *read_model_file(path))
            province = register(session, since=NOW - timedelta(days=5))
            for number in range(LOGGERS):
                registry.register_point(session, ADMIN, province.enterprise, mn=f"LOGGER{number:04d}", name=f"{number}",
                                        kind="air", password=PASSWORD, password_hash=province.air.password_hash,
                                        factors=AIR_FACTORS, monitoring_since=NOW - timedelta(days=5))
        yield factory
        engine.dispose()


@pytest.fixture(scope="module")
def server(sessions: sessionmaker) -> Iterator[RunningReceiver]:
    running = RunningReceiver(sessions)
    yield running
    running.close()


def packet(hours_ago: int, *, mn: str = AIR_MN, so2: float = 20.0, pw: str = PASSWORD, flag: int = 5, cn: str = "2061",
           qn: str | None = None, **header: int) -> bytes:
    moment = NOW - timedelta(hours=hours_ago)
    values = {"a21026": {"Avg": so2, "Flag": "N"}, "a34013": {"Avg": 3.0, "Flag": "N"}, "a01012": {"Avg": 120.0}}
    return build_packet(st="31", cn=cn, pw=pw, mn=mn, qn=qn or f"{moment:%Y%m%d%H%M%S}{hours_ago % 1000:03d}",
                        flag=flag, data_time=moment, values=values, **header).encode()


def connect(server: RunningReceiver) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=10)


def replies(sock: socket.socket, count: int) -> list[Packet]:
    data = b""
    while data.count(b"\r\n") < count:
        chunk = sock.recv(4096)
        assert chunk, f"connection closed after {len(data.splitlines())} of {count} replies"
        data += chunk
    return [parse_packet(line) for line in data.split(b"\r\n") if line]


def stored(sessions: sessionmaker, mn: str, hours_ago: int) -> int:
    with sessions() as session:
        point_id = session.scalar(select(MonitoringPoint.id).where(MonitoringPoint.mn == mn))
        return int(session.scalar(select(func.count()).select_from(Measurement).where(
            Measurement.point_id == point_id, Measurement.data_time == NOW - timedelta(hours=hours_ago))) or 0)


def test_packets_split_and_joined_across_reads_are_stored_and_answered_in_order(
    server: RunningReceiver, sessions: sessionmaker
) -> None:
    first, second, third = packet(30), packet(31), packet(32)
    with connect(server) as sock:
        for offset in range(0, len(first), 7):
            sock.sendall(first[offset:offset + 7])
            time.sleep(0.002)
        sock.sendall(second + third)
        answers = replies(sock, 3)
    assert [(a.cn, a.st, a.qn) for a in answers] == [("9014", "91", parse_packet(p).qn) for p in (first, second, third)]
    assert [stored(sessions, AIR_MN, hours) for hours in (30, 31, 32)] == [1, 1, 1]


def test_a_packet_received_twice_is_answered_twice_and_stored_once(server: RunningReceiver, sessions: sessionmaker) -> None:
    with connect(server) as sock:
        sock.sendall(packet(40) + packet(40))
        assert [a.cn for a in replies(sock, 2)] == ["9014", "9014"]
    assert stored(sessions, AIR_MN, 40) == 1


def test_refusals_are_answered_with_the_reason(server: RunningReceiver, sessions: sessionmaker) -> None:
    with connect(server) as sock:
        sock.sendall(packet(41, pw="wrong") + packet(42, mn="UNKNOWN0001") + corrupt_crc(packet(43).decode()).encode()
                     + packet(44, flag=4, pw="wrong"))
        answers = replies(sock, 3)
        sock.settimeout(0.5)
        with pytest.raises(socket.timeout):
            sock.recv(100)  # Flag=4 asked for no reply
    assert [(a.cn, a.fields.get("QnRtn")) for a in answers] == [("9011", "3"), ("9011", "4"), ("9011", "9")]
    assert [stored(sessions, AIR_MN, hours) for hours in (41, 43, 44)] == [0, 0, 0]


def test_a_request_whose_header_cannot_be_written_back_gets_no_answer_and_others_still_do(
    server: RunningReceiver, sessions: sessionmaker
) -> None:
    segment = packet(46).decode()[6:-6].replace(f"PW={PASSWORD}", "PW=12,34")  # the parser takes it, no builder can
    with connect(server) as sock:
        sock.sendall(frame(segment).encode() + packet(47))
        [answer] = replies(sock, 1)
    assert (answer.cn, answer.qn) == ("9014", parse_packet(packet(47)).qn)
    assert stored(sessions, AIR_MN, 47) == 1


def test_split_packet_is_stored_whole(server: RunningReceiver, sessions: sessionmaker) -> None:
    moment = NOW - timedelta(hours=45)
    parts = [build_packet(st="31", cn="2061", pw=PASSWORD, mn=AIR_MN, qn="20261120080000045", flag=7, pnum=2, pno=n,
                          data_time=moment, values=values).encode()
             for n, values in ((1, {"a21026": {"Avg": 20.0}}), (2, {"a34013": {"Avg": 3.0}, "a01012": {"Avg": 99.0}}))]
    with connect(server) as sock:
        sock.sendall(parts[1] + parts[0])
        [answer] = replies(sock, 1)
    assert (answer.cn, answer.qn) == ("9014", "20261120080000045")
    assert stored(sessions, AIR_MN, 45) == 1


def test_login_gets_request_answer_and_execution_result(server: RunningReceiver) -> None:
    login = build_packet(st="31", cn="9021", pw=PASSWORD, mn=WATER_MN, qn="20261120080000999", flag=5).encode()
    with connect(server) as sock:
        sock.sendall(login)
        answers = replies(sock, 2)
    assert [(a.cn, a.fields) for a in answers] == [("9011", {"QnRtn": "1"}), ("9012", {"ExeRtn": "1"})]


def test_a_client_streaming_garbage_is_cut_off(server: RunningReceiver) -> None:
    before = server.receiver.stats["overflow_cutoffs"]
    with connect(server) as sock:
        closed = False
        try:
            for _ in range(2000):  # up to 16 MB, far more than the 4 KB the receiver tolerates
                sock.sendall(os.urandom(8192).replace(b"#", b"x"))
            closed = sock.recv(1) == b""
        except ConnectionError:
            closed = True
        assert closed
    assert server.receiver.stats["overflow_cutoffs"] == before + 1


def test_an_idle_connection_is_closed(server: RunningReceiver) -> None:
    with connect(server) as sock:
        started = time.monotonic()
        assert sock.recv(1) == b""
        assert IDLE_TIMEOUT - 0.2 <= time.monotonic() - started < IDLE_TIMEOUT + 5


def test_many_loggers_at_once(server: RunningReceiver, sessions: sessionmaker) -> None:
    def logger(number: int) -> None:
        with connect(server) as sock:
            sock.sendall(b"".join(packet(hours, mn=f"LOGGER{number:04d}") for hours in range(50, 55)))
            assert [a.cn for a in replies(sock, 5)] == ["9014"] * 5

    threads = [threading.Thread(target=logger, args=(number,)) for number in range(LOGGERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sum(stored(sessions, f"LOGGER{n:04d}", hours) for n in range(LOGGERS) for hours in range(50, 55)) == 5 * LOGGERS


def test_an_exceedance_opens_a_closure_task(server: RunningReceiver, sessions: sessionmaker) -> None:
    with connect(server) as sock:
        sock.sendall(packet(60, so2=80.0))
        replies(sock, 1)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with sessions() as session:
            case = session.scalars(select(AnomalyCase).where(AnomalyCase.factor == "a21026")).first()
        if case is not None and case.instance_id is not None:
            break
        time.sleep(0.1)
    assert case is not None and case.instance_id is not None and case.anomaly_type == "exceedance"


def test_simulated_traffic_is_stored_and_answered(server: RunningReceiver, sessions: sessionmaker) -> None:
    loggers = [SimPoint(mn=f"LOGGER{n:04d}", kind="air", password=PASSWORD) for n in range(LOGGERS)]
    report = asyncio.run(simulate(loggers, "127.0.0.1", server.port, rate=0, duration=1.5, start=NOW - timedelta(hours=20),
                                  connections=4, bad_crc=0.05, episode_rate=0.1, seed=7))
    assert report.rounds >= 10 and report.bad_crc > 0 and report.gaps > 0
    assert report.replies == report.sent - report.bad_crc
    with sessions() as session:
        ids = session.scalars(select(MonitoringPoint.id).where(MonitoringPoint.mn.like("LOGGER%"))).all()
        rows = session.scalar(select(func.count()).select_from(Measurement).where(
            Measurement.point_id.in_(ids), Measurement.data_time >= NOW - timedelta(hours=20)))
    assert rows == report.sent - report.bad_crc
