"""What the benchmarks share: the machine's description, a throwaway PostgreSQL cluster, timing
summaries, a resident-memory sampler and the verdict line. No Django: imported before set-up."""

from __future__ import annotations

import gc
import glob
import math
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# The throwaway cluster: durability off (it only speeds up the seed), memory as a dedicated database
# server of this size would be given (a quarter of RAM for shared buffers, SSD page costs).
INITDB = ("-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
START = ("-w", "-t", "60")
PG_DURABILITY = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


# --- The machine and the cluster ----------------------------------------------------------------------


def machine() -> dict[str, Any]:
    info = Path("/proc/cpuinfo").read_text(encoding="utf-8") if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in info.splitlines() if "model name" in line), "")
    memory = Path("/proc/meminfo").read_text(encoding="utf-8") if Path("/proc/meminfo").exists() else ""
    kib = next((int(line.split()[1]) for line in memory.splitlines() if line.startswith("MemTotal")), 0)
    return {
        "cores": os.cpu_count(),
        "ram_gb": round(kib / 1024 / 1024, 1),
        "cpu": model or platform.processor(),
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pg_bin() -> Path | None:
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(n) for n in re.findall(r"\d+", p)]
    )
    return Path(found[-1]) if found else None


def pg_settings(ram_gb: float) -> dict[str, str]:
    shared = max(128, min(8192, int(ram_gb * 1024 / 4)))
    return {
        **PG_DURABILITY,
        "shared_buffers": f"{shared}MB",
        "effective_cache_size": f"{int(ram_gb * 1024 * 3 / 4)}MB",
        "maintenance_work_mem": "1GB",
        "work_mem": "16MB",
        "random_page_cost": "1.1",
        "max_wal_size": "16GB",
        "checkpoint_timeout": "30min",
        "max_connections": "50",
    }


@contextmanager
def cluster(settings: dict[str, str]) -> Iterator[dict[str, Any]]:
    """A throwaway PostgreSQL cluster, stopped and removed on the way out whatever happens."""
    binaries = pg_bin()
    if binaries is None:
        raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql")
    workdir = Path(tempfile.mkdtemp(prefix="rcrp-bench-pg-"))
    run_as = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if run_as:
        shutil.chown(workdir, "postgres", "postgres")
    port = free_port()
    data = workdir / "data"
    started = False
    try:
        subprocess.run(  # noqa: S603 - the cluster's own binaries
            [*run_as, str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", *INITDB],
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {workdir} " + " ".join(
            f"-c {k}={v}" for k, v in settings.items()
        )
        log = str(workdir / "server.log")
        subprocess.run(  # noqa: S603
            [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-l", log, *START, "-o", options, "start"],
            check=True,
            capture_output=True,
        )
        started = True
        yield {"port": port, "dir": workdir, "log": workdir / "server.log"}
    finally:
        if started:
            subprocess.run(  # noqa: S603
                [*run_as, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
                check=False,
                capture_output=True,
            )
        shutil.rmtree(workdir, ignore_errors=True)


def stop_on_signals() -> None:
    """SIGTERM and SIGHUP end the script through its finally blocks (the cluster is removed)."""

    def stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop)


# --- Timing -----------------------------------------------------------------------------------------------


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(statistics.median(samples), 1),
        "p95_ms": round(p95(samples), 1),
        "max_ms": round(max(samples), 1),
    }


class RssSampler:
    """The process's resident memory, sampled in a thread (bytes): the peak above the baseline."""

    def __init__(self, interval: float = 0.002) -> None:
        self.interval, self.peak, self.running = interval, 0, False
        self.page = os.sysconf("SC_PAGE_SIZE")

    def rss(self) -> int:
        return int(Path("/proc/self/statm").read_text().split()[1]) * self.page

    def __enter__(self) -> RssSampler:
        gc.collect()
        self.baseline = self.peak = self.rss()
        self.running = True
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while self.running:
            self.peak = max(self.peak, self.rss())
            time.sleep(self.interval)

    def __exit__(self, *exc: Any) -> None:
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.rss())

    @property
    def increase_mb(self) -> float:
        return round((self.peak - self.baseline) / 1024 / 1024, 1)


def verdict(what: str, value: float, target: float, unit: str) -> str:
    met = value < target
    return f"{'MET' if met else 'MISSED'}: {what} {value} {unit} (target under {target:.0f} {unit})"
