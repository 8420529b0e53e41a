"""A throw-away OpenLDAP server for tests: its own config, data and port in a temp folder."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
WAIT_SECONDS = 5.0

CONFIG_TEMPLATE = """\
include {schema}/core.schema
include {schema}/cosine.schema
include {schema}/inetorgperson.schema
include {schema}/nis.schema
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
modulepath {modules}
moduleload back_mdb
{tls}
database mdb
maxsize 16777216
suffix "{suffix}"
rootdn "cn=manager,{suffix}"
rootpw "{root_password}"
directory {folder}/data
index objectClass eq
index uid,memberUid,cn eq,sub
access to attrs=userPassword
    by dn.exact="{service_dn}" write
    by self write
    by anonymous auth
    by * none
access to *
    by dn.exact="{service_dn}" write
    by self read
    by * none
"""


@dataclass(frozen=True)
class Certificate:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""

    cert: Path
    key: Path

    @classmethod
    def create(cls, folder: Path) -> Certificate:
        certificate = cls(folder / "cert.pem", folder / "key.pem")
        _run(
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(certificate.key), "-out", str(certificate.cert),
        )  # fmt: skip
        return certificate


def slapd_installed() -> bool:
    return _which("slapd") is not None and _which("slapadd") is not None and SCHEMA_DIR.is_dir()


class SlapdServer:
    """One ``slapd`` loaded from an LDIF file, listening on a free port of 127.0.0.1.

    The process daemonizes and is found again through its pidfile, so ``stop``
    and ``start`` may be called repeatedly; the data survives a restart.
    ``service_dn`` may read and write everything, people may read themselves.
    """

    def __init__(
        self,
        folder: Path,
        ldif: Path,
        *,
        suffix: str,
        service_dn: str,
        certificate: Certificate | None = None,
    ) -> None:
        self.folder = folder
        self.port = _free_port()
        self.uri = f"ldap://127.0.0.1:{self.port}"
        self._config = folder / "slapd.conf"
        (folder / "data").mkdir(parents=True)
        tls = ""
        if certificate is not None:
            tls = f"TLSCertificateFile {certificate.cert}\nTLSCertificateKeyFile {certificate.key}"
        text = CONFIG_TEMPLATE.format(
            schema=SCHEMA_DIR,
            modules=MODULE_DIR,
            folder=folder,
            suffix=suffix,
            service_dn=service_dn,
            root_password=os.urandom(8).hex(),
            tls=tls,
        )
        self._config.write_text(text, encoding="utf-8")
        _run("slapadd", "-q", "-f", str(self._config), "-l", str(ldif))

    def start(self) -> None:
        _run("slapd", "-f", str(self._config), "-h", f"{self.uri}/")
        _wait_until(lambda: _accepts(self.port), f"slapd on port {self.port} did not start")
        logger.info("slapd started on %s", self.uri)

    def stop(self) -> None:
        pidfile = self.folder / "slapd.pid"
        if not pidfile.exists():
            return
        pid = int(pidfile.read_text().strip())
        if _alive(pid):
            os.kill(pid, signal.SIGTERM)
            try:
                _wait_until(lambda: not _alive(pid), f"slapd {pid} did not stop")
            except RuntimeError:
                os.kill(pid, signal.SIGKILL)
                raise
        pidfile.unlink(missing_ok=True)
        logger.info("slapd on %s stopped", self.uri)


def _which(program: str) -> str | None:
    return shutil.which(program, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin"]))


def _run(program: str, *args: str) -> None:
    executable = _which(program)
    if executable is None:
        raise RuntimeError(f"{program} is not installed")
    result = subprocess.run([executable, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{program} failed ({result.returncode}): {result.stderr.strip()}")


def _wait_until(condition: Callable[[], bool], failure: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(failure)
        time.sleep(0.02)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _accepts(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs; a zombie counts as gone."""
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return status.rsplit(")", 1)[1].split()[0] != "Z"
