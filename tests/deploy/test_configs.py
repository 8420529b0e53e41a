"""The example production configuration in ``deploy/`` is valid: systemd units parse and start EcoLoop
commands that exist, nginx accepts the site and the HJ 212 stream proxy (``nginx -t``), the Prometheus
files are well-formed, and every setting in the environment example is documented in the README."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml  # type: ignore[import-untyped]

from web.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def _unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string(path.read_text(encoding="utf-8"))
    return parser


def test_there_are_units_for_web_scheduler_receiver_and_backup() -> None:
    assert {p.stem for p in UNITS} == {"ecoloop-web", "ecoloop-scheduler", "ecoloop-receiver", "ecoloop-backup"}


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.stem)
def test_each_unit_parses_and_runs_an_ecoloop_command(path: Path) -> None:
    unit = _unit(path)
    assert unit.sections()[:2] == ["Unit", "Service"]
    service = unit["Service"]
    assert service["User"] == "ecoloop" and service["EnvironmentFile"] == "/etc/ecoloop/ecoloop.env"
    command = re.search(r"ecoloop (\w[\w-]*)", service["ExecStart"])
    assert command is not None and command.group(1) in main.commands, service["ExecStart"]
    if service.get("Type") != "oneshot":
        assert service["Restart"] == "always" and unit["Install"]["WantedBy"] == "multi-user.target"


def test_the_web_unit_reloads_gracefully_and_leaves_timers_to_the_schedulers() -> None:
    service = _unit(DEPLOY / "systemd" / "ecoloop-web.service")["Service"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"
    assert "ECOLOOP_RUN_SCHEDULER_IN_WEB=0" in service["Environment"] or any(
        line.strip() == "Environment=ECOLOOP_RUN_SCHEDULER_IN_WEB=0"
        for line in (DEPLOY / "systemd" / "ecoloop-web.service").read_text().splitlines())


def test_the_backup_timer_starts_the_backup() -> None:
    timer = _unit(DEPLOY / "systemd" / "ecoloop-backup.timer")
    assert timer["Timer"]["OnCalendar"] and timer["Install"]["WantedBy"] == "timers.target"


def _nginx() -> str:
    path = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("nginx is not installed (apt-get install nginx-light libnginx-mod-stream)")
        pytest.skip("nginx is not installed")
    return path


def test_nginx_accepts_the_site_and_the_stream_proxy(tmp_path: Path) -> None:
    nginx = _nginx()
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                    "/CN=ecoloop.example.gov.cn", "-keyout", str(tmp_path / "privkey.pem"),
                    "-out", str(tmp_path / "fullchain.pem")], check=True, capture_output=True)
    site = (DEPLOY / "nginx" / "ecoloop.conf").read_text()
    site = site.replace("/etc/ssl/ecoloop/", f"{tmp_path}/").replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    stream = DEPLOY / "nginx" / "hj212-stream.conf"
    stream_module = Path("/usr/lib/nginx/modules/ngx_stream_module.so")  # Debian builds the stream module apart
    modules = f"load_module {stream_module};" if stream_module.exists() else ""
    (tmp_path / "nginx.conf").write_text(f"""
{modules}
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
include {stream};
http {{
    access_log {tmp_path}/access.log;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    include {tmp_path}/site.conf;
}}
""")
    result = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"),
                             "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_site_forwards_what_ecoloop_trusts() -> None:
    site = (DEPLOY / "nginx" / "ecoloop.conf").read_text()
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID"):
        assert f"proxy_set_header {header}" in site
    assert "ssl_protocols TLSv1.2 TLSv1.3;" in site


def test_prometheus_files_are_well_formed_and_name_ecoloop_metrics() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert config["scrape_configs"][0]["metrics_path"] == "/metrics"
    rules = yaml.safe_load((DEPLOY / "prometheus" / "ecoloop.rules.yml").read_text())
    expressions = " ".join(rule["expr"] for group in rules["groups"] for rule in group["rules"])
    for metric in ("ecoloop_scheduler_lag_seconds", "ecoloop_http_request_duration_seconds_bucket",
                   "ecoloop_evidence_free_bytes", "ecoloop_queue_items"):
        assert metric in expressions


def test_every_setting_of_the_environment_example_is_documented() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    keys = re.findall(r"^(ECOLOOP_[A-Z0-9_]+)=", (DEPLOY / "ecoloop.env.example").read_text(), re.MULTILINE)
    assert keys
    missing = [key for key in keys if key not in readme]
    assert missing == []
