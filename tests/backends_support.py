"""Real SPARQL stores for the backend tests: Oxigraph server (PyPI `oxigraph`) and Virtuoso
Open Source (Debian `virtuoso-opensource`), each started on a free loopback port in a
temporary directory and stopped afterwards. conftest.py makes `remote_store` (parametrized
over both) and `oxigraph_server` / `virtuoso_server` session fixtures of these.

Each server is a `Server`: `url` (what `--backend` takes), `remote` (a backends.remote.Remote
with the credentials), `clear()` (drop every graph between tests).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from poagraph.backends.remote import Client, Remote

VIRTUOSO = shutil.which("virtuoso-t") or "/usr/bin/virtuoso-t"
ISQL = shutil.which("isql-vt") or "/usr/bin/isql-vt"
OXIGRAPH = str(Path(sys.executable).with_name("oxigraph"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    url: str  #: the URL given to --backend
    remote: Remote
    process: subprocess.Popen
    env: dict  #: POAGRAPH_BACKEND_* for the CLI (credentials never on the command line)

    def clear(self) -> None:
        """Drop every named graph (and Oxigraph's default graph)."""
        client = Client(self.remote)
        rows = client.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        for row in rows:
            if _ours(row["g"].value, self.name):
                client.delete_graph(row["g"].value)
        if self.name == "oxigraph":
            client.update("CLEAR DEFAULT")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _ours(graph: str, name: str) -> bool:
    """Virtuoso keeps its own system graphs (virtrdf:, its ontology): leave them alone."""
    return name != "virtuoso" or not graph.startswith(
        ("http://www.openlinksw.com/", "http://localhost:", "http://www.w3.org/")
    )


def _wait(url: str, process: subprocess.Popen, log: Path, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited: {log.read_text()[-2000:]}")
        try:
            requests.get(url, params={"query": "ASK {}"}, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{url}: no answer after {seconds} s: {log.read_text()[-2000:]}")


def start_oxigraph(tmp: Path) -> Server:
    port = free_port()
    log = tmp / "oxigraph.log"
    args = [OXIGRAPH, "serve", "--location", str(tmp / "data"), "--bind", f"127.0.0.1:{port}"]
    # --timeout-s: its only query timeout (server-wide); it stops runaway queries
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        process = subprocess.Popen(
            [*args, "--timeout-s", "20"], stdout=out, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}/query"
    _wait(url, process, log)
    return Server("oxigraph", url, Remote.from_url(url), process, {})


_VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
LiteMode = 0
DisableUnixSocket = 1
DisableTcpSocket = 0
MaxClientConnections = 10
CheckpointInterval = 60
O_DIRECT = 0
CaseMode = 2
MaxStaticCursorRows = 5000
CheckpointAuditTrail = 0
AllowOSCalls = 0
SchedulerInterval = 10
DirsAllowed = ., {db}, /usr/share/virtuoso-opensource-7/vad
ThreadCleanupInterval = 0
ThreadThreshold = 10
ResourcesCleanupInterval = 0
FreeTextBatchSize = 100000
SingleCPU = 0
VADInstallDir = /usr/share/virtuoso-opensource-7/vad/
PrefixResultNames = 0
RdfFreeTextRulesSize = 100
IndexTreeMaps = 64
MaxQueryMem = 512M
VectorSize = 1000
MaxVectorSize = 1000000
AdjustVectorSize = 0
ThreadsPerQuery = 2
AsyncQueueMaxThreads = 10
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
MaxClientConnections = 10
DavRoot = DAV
EnabledDavVSP = 0
HTTPProxyEnabled = 0
TempASPXDir = 0
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
HTTPThreadSize = 280000
HttpPrintWarningsInOutput = 0
Charset = UTF-8
MaintenancePage = atomic.html
EnabledGzipContent = 0

[Client]
SQL_PREFETCH_ROWS = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT = 0
SQL_TXN_TIMEOUT = 0

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryCostEstimationTime = 0
MaxQueryExecutionTime = 0
DefaultGraph =
DeferInferenceRulesInit = 0
"""


def start_virtuoso(tmp: Path, max_rows: int = 1_000_000) -> Server:
    if not Path(VIRTUOSO).exists():
        raise RuntimeError(
            f"{VIRTUOSO} is missing: `make system-deps` installs virtuoso-opensource"
        )
    db = tmp / "db"
    db.mkdir(parents=True)
    sql_port, http_port = free_port(), free_port()
    ini = tmp / "virtuoso.ini"
    ini.write_text(
        _VIRTUOSO_INI.format(db=db, sql_port=sql_port, http_port=http_port, max_rows=max_rows)
    )
    log = tmp / "virtuoso.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)],
            cwd=db,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{http_port}"
    _wait(base + "/sparql", process, log)
    url = base + "/sparql"
    remote = Remote.from_url(url, user="dba", password="dba")
    env = {"POAGRAPH_BACKEND_USER": "dba", "POAGRAPH_BACKEND_PASSWORD": "dba"}
    return Server("virtuoso", url, remote, process, env)


START = {"oxigraph": start_oxigraph, "virtuoso": start_virtuoso}
