"""`make bench`: the whole benchmark on one seeded database, under load through a real server.

1. Starts a throwaway PostgreSQL cluster (bench/_common.py) and seeds it once: the demo (users,
   the published policy versions), 40 bench call handlers per site, BENCH_DECISIONS decisions
   (2,000,000) with `seed_decisions`, and a roster of 2,500 staff imported with `import_staff`;
   BENCH_SCALE multiplies both counts (BENCH_SCALE=0.01: 20,000 decisions, 25 staff).
2. In-process, through Django's test Client: bench/supervision.py's measurements (decision log
   first and deep pages, dashboards: issue 10's figures) and the CSV export's peak memory in a
   child process; the query counts of one journey's requests and a cProfile of journeys.
3. Runs the app under gunicorn with the production settings (DEBUG off, a generated SECRET_KEY,
   static files collected into a temporary directory and served by WhiteNoise, only the HTTPS
   redirect off because the loopback has no TLS) and bench/settings_bench.py's URL conf, 2 sync
   workers (2 cores), on 127.0.0.1; drives it with Locust headless (bench/_locustfile.py), each
   phase BENCH_SECONDS (60) after every simulated user has signed in:
   baseline (a trivial view, BENCH_USERS users), the call-handler journey (BENCH_USERS=64 handlers
   walking the shipped v2 scenarios), the supervisors' decision log and decision pages, and the
   dashboards (BENCH_SUPERVISORS=8 each). BENCH_THINK_SECONDS (0) pauses between requests.
4. Times bench/import_staff.py's 2,500-row roster import (SQLite, as it always has).

Writes bench/results/latest.json (bench/_report.py's KEYS and a `detail`) and latest.md, with
each target MET or MISSED. Exits 1 when a target is missed.

    BENCH_SCALE=0.01 BENCH_SECONDS=15 .venv/bin/python bench/load.py
"""

from __future__ import annotations

import cProfile
import datetime as dt
import io
import json
import os
import pstats
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _journey, _report, supervision  # noqa: E402 - the project root first
from bench._common import cluster, free_port, load_average, machine, pg_bin, pg_settings, stop_on_signals  # noqa: E402

RESULTS = ROOT / "bench" / "results"
WORKERS = 2
STAFF = 2500
HOT_PATH_LIMITS = {"question page": 4, "answer": 5}
# The paced journey: each handler pauses this long before every page and answer, so 64 handlers
# ask about 60 steps a second, the peak need of a site cluster (about 300 handlers, a step each 5 s).
PEAK_STEP_SECONDS = 1.0
PACED = "journey at the peak rate"
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT")
FIRST_ENCOUNTERS = (
    "*Usually* is the steady state: the same dozen calls, taken again by a handler who has taken them "
    "before on a server that has served them. *Most* includes the first encounters, which the tests "
    "pin apart (tests/toolkit/test_hot_path.py): a process's first page of a policy version reads "
    "its document and the version before it (then the parsed flow is cached by content hash); the "
    "first times a handler meets a question changed since that version, the page asks whether they "
    "have met it on three other calls (a fourth query), and the session is saved once they have; an "
    "answer that reaches an outcome also reads the agency's directory entry."
)
PROFILED_JOURNEYS = 20


def env_number(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))


# --- Seeding ---------------------------------------------------------------------------------------


def seed(count: int, staff: int, password: str, out: Callable[[str], None]) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from bench import import_staff
    from rcrp.accounts.models import User

    prepared = supervision.prepare(count, int(os.environ.get("BENCH_JOBS", "4")), out)
    roster = Path(tempfile.mkdtemp(prefix="rcrp-bench-roster-")) / "roster.csv"
    lines = import_staff.roster().splitlines(keepends=True)
    roster.write_text("".join(lines[: staff + 1]), encoding="utf-8")
    started = time.perf_counter()
    result = io.StringIO()
    call_command("import_staff", str(roster), stdout=result)
    prepared["staff_import"] = {"rows": staff, "seconds": round(time.perf_counter() - started, 2)}
    prepared["staff_import"]["output"] = result.getvalue().strip()
    shutil.rmtree(roster.parent, ignore_errors=True)
    out(f"Imported {staff:,} staff in {prepared['staff_import']['seconds']} s")
    go_live_everywhere()
    hashed = make_password(password)  # one hash for all: 120 PBKDF2 runs would be two minutes
    signed = User.objects.filter(display_name__startswith="Bench Handler ") | User.objects.filter(
        staff_number="supervisor"
    )
    signed.update(password=hashed)
    return prepared


def go_live_everywhere() -> None:
    """RCRP live at every site (as an administrator switches it on), so every handler takes calls."""
    from rcrp.accounts.models import User
    from training.models import Site
    from training.services.golive import MANAGE_SERVICE, site_go_live_set

    admin = next(u for u in User.objects.order_by("pk") if u.has_perm(MANAGE_SERVICE))
    for site in Site.objects.filter(live_from__isnull=True):
        site_go_live_set(
            site=site,
            live=True,
            actor=admin,
            note="Benchmark: live everywhere",
            below_threshold_confirmed=True,
        )


def handler_numbers() -> list[str]:
    from rcrp.accounts.models import User

    return list(
        User.objects.filter(display_name__startswith="Bench Handler ")
        .order_by("pk")
        .values_list("staff_number", flat=True)
    )


# --- What the supervisors ask for -------------------------------------------------------------------------


def targets(password: str) -> dict[str, Any]:
    from toolkit.models import Decision
    from toolkit.selectors import log

    cases = supervision.list_cases()
    every = Decision.objects.all()
    matching = every.count()
    deep = []
    for share in (0.1, 0.25, 0.5, 0.9):
        there = every.order_by("-started_at", "-pk")[
            int(matching * share) : int(matching * share) + 1
        ].first()
        if there is not None:
            deep.append(f"/toolkit/decisions/?{urlencode({'after': log.Cursor.of(there).encode()})}")
    cursor = None
    for _ in range(supervision.DEEP_PAGES):
        page = log.log_page(every, after=cursor)
        if page.older is None:
            break
        cursor = page.older
    if cursor is not None:
        deep.append(f"/toolkit/decisions/?{urlencode({'after': cursor.encode()})}")
    step = max(1, matching // 50)
    references = every.order_by("-started_at").values_list("reference", flat=True)[:matching:step]
    today = supervision._today()
    boards = [
        {},
        {"date_from": str(today - dt.timedelta(days=364)), "date_to": str(today), "period": "week"},
        {"date_from": str(today - dt.timedelta(days=729)), "date_to": str(today), "period": "month"},
        {"element": "s136"},
    ]
    return {
        "password": password,
        "supervisor": "supervisor",
        "handlers": handler_numbers(),
        "list_urls": [f"/toolkit/decisions/?{urlencode(params)}" for params in cases.values()],
        "deep_urls": deep,
        "detail_urls": [f"/toolkit/decisions/{ref}/" for ref in list(references)[:50]],
        "dashboard_urls": [f"/toolkit/dashboard/?{urlencode(params)}" for params in boards],
    }


# --- The hot path in-process: query counts and a profile ----------------------------------------------


class DjangoHttp:
    """bench/_journey.Http over Django's test Client, counting each request's SQL statements by name
    (without BEGIN and COMMIT, as tests/toolkit/test_hot_path.py counts them)."""

    def __init__(self, client: Any, count_queries: bool = True) -> None:
        self.client, self.count_queries = client, count_queries
        self.queries: dict[str, list[int]] = {}
        self.times: dict[str, list[float]] = {}

    def _send(self, send: Callable[[], Any], name: str | Callable[[str], str]) -> _journey.Page:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = send()
        elapsed = (time.perf_counter() - started) * 1000
        text = response.content.decode()
        label = name if isinstance(name, str) else name(text)
        sent = [q for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
        self.queries.setdefault(label, []).append(len(sent))
        self.times.setdefault(label, []).append(elapsed)
        return _journey.Page(status=response.status_code, text=text, location=response.get("Location", ""))

    def get(self, url: str, *, name: str | Callable[[str], str]) -> _journey.Page:
        return self._send(lambda: self.client.get(url), name)

    def post(self, url: str, fields: list[tuple[str, str]], *, name: str) -> _journey.Page:
        data: dict[str, list[str]] = {}
        for key, value in fields:
            data.setdefault(key, []).append(value)
        return self._send(lambda: self.client.post(url, data), name)


def hot_path(password: str, out: Callable[[str], None]) -> dict[str, Any]:
    from django.test import Client

    from toolkit.selectors.changes import HIGHLIGHT_TIMES

    journeys = _journey.shipped_journeys()
    client = Client(enforce_csrf_checks=True)
    first = DjangoHttp(client)
    _journey.sign_in(first, handler_numbers()[-1], password)
    sample = journeys[:: max(1, len(journeys) // 12)]  # a dozen journeys over the four elements
    for _ in range(HIGHLIGHT_TIMES):  # a new handler, a new server: every first encounter is here
        for journey in sample:
            _journey.run_journey(first, journey)
    steady = DjangoHttp(client)  # then as on a shift: the same calls once more
    for journey in sample:
        _journey.run_journey(steady, journey)
    # Usually: the steady state's count for most requests of the kind, what the tests pin. The most:
    # a first encounter (FIRST_ENCOUNTERS), met once per flow and server or per handler.
    counts = {
        name: {"usual": statistics.median_low(values), "most": max(values + first.queries.get(name, []))}
        for name, values in steady.queries.items()
    }
    pinned = {
        name: {
            "queries": counts.get(name, {}).get("usual"),
            "most": counts.get(name, {}).get("most"),
            "limit": limit,
            "met": (counts.get(name, {}).get("usual") or 0) <= limit,
        }
        for name, limit in HOT_PATH_LIMITS.items()
    }
    out(
        "Hot path statements (usually / most, over a dozen journeys): "
        + ", ".join(f"{k} {v['usual']}/{v['most']}" for k, v in sorted(counts.items()))
    )
    profiler = cProfile.Profile()
    timing = DjangoHttp(client)
    profiler.enable()
    for journey in journeys[:PROFILED_JOURNEYS]:
        _journey.run_journey(timing, journey)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.strip_dirs().sort_stats("cumulative").print_stats(30)
    own = io.StringIO()
    pstats.Stats(profiler, stream=own).strip_dirs().sort_stats("tottime").print_stats(20)
    service = {name: round(sum(v) / len(v), 1) for name, v in timing.times.items()}
    out("In-process mean ms per request: " + ", ".join(f"{k} {v}" for k, v in sorted(service.items())))
    return {
        "queries": counts,
        "pinned": pinned,
        "in_process_mean_ms": service,
        "profile_cumulative": _trim(text.getvalue()),
        "profile_own_time": _trim(own.getvalue()),
    }


def _trim(report: str) -> str:
    lines = [line.rstrip() for line in report.splitlines()]
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    return "\n".join(lines[max(0, start - 3) :]).strip()


# --- The server ------------------------------------------------------------------------------------------


def server_env(port: int, static_root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "DJANGO_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings_bench",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",  # the loopback has no TLS; everything else as in production
        DATABASE_URL=f"postgres://postgres@127.0.0.1:{port}/postgres",
        BENCH_STATIC_ROOT=str(static_root),
        LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    return env


def start_server(env: dict[str, str], port: int, out: Callable[[str], None]) -> subprocess.Popen[bytes]:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "rcrp.wsgi:application",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--timeout",
        "120",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as response:
                if response.status == 200:
                    out(f"gunicorn: {WORKERS} sync workers on 127.0.0.1:{port} (pid {server.pid})")
                    return server
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.3)
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode}")
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz in 60 s")


def worker_pids(master: int) -> list[int]:
    try:
        import psutil

        return [child.pid for child in psutil.Process(master).children()]
    except ImportError:
        children = Path(f"/proc/{master}/task/{master}/children")
        return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident set size so far (VmHWM, kept by the kernel), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def run_phase(
    name: str, user_class: str, users: int, host: str, workdir: Path, base_env: dict[str, str], seconds: float
) -> dict[str, Any]:
    prefix = workdir / name
    state = workdir / f"{name}-state.json"
    env = {**base_env, "BENCH_SECONDS": str(seconds), "BENCH_LOCUST_STATE": str(state)}
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "bench" / "_locustfile.py"),
        "--headless",
        "--users",
        str(users),
        "--spawn-rate",
        str(users),
        "--host",
        host,
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        user_class,
    ]
    run = subprocess.run(  # noqa: S603 - Locust with this interpreter
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=seconds + 600, check=False
    )
    stats_file = Path(f"{prefix}_stats.csv")
    if not stats_file.exists():
        raise RuntimeError(f"Locust wrote no statistics for {name}: {run.stderr[-2000:]}")
    failures = Path(f"{prefix}_failures.csv")
    figures = _report.phase_stats(
        stats_file.read_text(encoding="utf-8"),
        failures.read_text(encoding="utf-8") if failures.exists() else "",
    )
    figures["users"] = users
    figures["seconds"] = seconds
    figures["locust_exit"] = run.returncode
    if state.exists():
        extra = json.loads(state.read_text(encoding="utf-8"))
        sign_ins = sorted(extra.pop("sign_in_ms"))
        figures["locust"] = extra
        figures["warmup_failures"] = int(extra.get("warmup_failures", 0))
        if sign_ins and user_class != "BaselineUser":
            figures["sign_in_ms"] = {
                "count": len(sign_ins),
                "median": sign_ins[len(sign_ins) // 2],
                "max": sign_ins[-1],
            }
    return figures


# --- Explanations of a missed target, from the figures --------------------------------------------------


def explain(result: dict[str, Any], hot: dict[str, Any]) -> dict[str, str]:
    d = result["detail"]
    journey, baseline = d["phases"]["journey"], d["phases"]["baseline"]
    service = hot["in_process_mean_ms"]
    steps = {k: v for k, v in service.items() if k not in ("sign-in page", "sign in")}
    mean_step = sum(steps.values()) / len(steps) if steps else 0.0
    little = result["concurrency"] / journey["rps"] * 1000 if journey["rps"] else 0.0
    per_worker = WORKERS / journey["rps"] * 1000 if journey["rps"] else 0.0
    base_service = WORKERS / baseline["rps"] * 1000 if baseline["rps"] else 0.0
    slowest = max(steps.items(), key=lambda kv: kv[1]) if steps else ("", 0)
    paced = d["phases"].get(PACED)
    at_peak = (
        f" Paced as handlers work at the peak need (a pause of {PEAK_STEP_SECONDS:.0f} s before each "
        f"step: {paced['rps']} req/s from {result['concurrency']} handlers), the same server answers "
        f"with p50 {paced['p50_ms']:.0f} / p95 {paced['p95_ms']:.0f} / p99 {paced['p99_ms']:.0f} ms "
        f"and {paced['failures']} errors."
        if paced
        else ""
    )
    return {
        "journey_ratio": (
            f"each journey request costs a worker about {per_worker:.1f} ms "
            f"({WORKERS} workers / {journey['rps']} req/s) "
            f"against {base_service:.1f} ms for the trivial view; in-process the journey's requests average "
            f"{mean_step:.1f} ms, the slowest being the {slowest[0]} ({slowest[1]} ms); "
            "the profile below shows "
            "where that time goes."
        ),
        "journey_p99_ms": (
            f"{result['concurrency']} handlers with no think time keep {result['concurrency']} requests "
            "in flight "
            f"on {WORKERS} sync workers, so most of the latency is the queue: by Little's law the mean is "
            f"{result['concurrency']} / {journey['rps']} req/s = {little:.0f} ms (measured mean "
            f"{journey['mean_ms']} ms, p99 {journey['p99_ms']} ms), while serving one request takes about "
            f"{per_worker:.1f} ms of a worker. Real handlers spend seconds reading between requests."
            + at_peak
        ),
        "errors": "; ".join(
            f"{f['request']}: {f['error'][:160]} x{f['count']}"
            for p in d["phases"].values()
            for f in p["failure_kinds"]
        )
        or "see the phases' failures",
        "list_p95_ms": (
            "the slowest cases are listed under 'In-process supervision' (bench/supervision.py's lessons)."
        ),
        "deep_page_p95_ms": "the slowest cases are listed under 'In-process supervision'.",
        "dashboard_p95_ms": "the slowest cases are listed under 'In-process supervision'.",
        "export_peak_mb": f"the export's process grew by {result['export_peak_mb']} MB while streaming.",
    }


def supervision_section(inproc: dict[str, Any]) -> str:
    lines = ["| Group | Case | p50 ms | p95 ms |", "|---|---|---:|---:|"]
    for group in ("list", "deep", "dashboard", "extra"):
        for name, case in inproc.get(group, {}).items():
            if "p95_ms" in case:
                lines.append(f"| {group} | {name} | {case['p50_ms']} | {case['p95_ms']} |")
    export = inproc.get("export", {})
    if export:
        lines.append(
            f"\nExport: {export['rows']:,} rows in {export['seconds']} s, "
            f"peak memory +{export['peak_rss_increase_mb']} MB "
            "(a fresh process, /proc/self/statm sampled every 2 ms)."
        )
    return "\n".join(lines)


def hot_section(hot: dict[str, Any]) -> str:
    lines = [
        "| Request | Statements, usually | Most | Limit | In-process mean ms |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, count in sorted(hot["queries"].items()):
        limit = HOT_PATH_LIMITS.get(name, "")
        mean = hot["in_process_mean_ms"].get(name, "")
        lines.append(f"| {name} | {count['usual']} | {count['most']} | {limit} | {mean} |")
    verdict = ", ".join(
        f"{name} {'MET' if p['met'] else 'MISSED'} ({p['queries']} statements, at most {p['limit']})"
        for name, p in hot["pinned"].items()
    )
    return "\n".join([*lines, "", f"Pinned statement counts: {verdict}.", "", FIRST_ENCOUNTERS])


def stop_server(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


# --- Main ---------------------------------------------------------------------------------------------------


def main() -> int:
    stop_on_signals()
    niceness = int(os.environ.get("BENCH_NICE", "-5"))
    try:
        os.nice(niceness - os.nice(0))
    except PermissionError:
        niceness = os.nice(0)
    scale = env_number("BENCH_SCALE", 1)
    count = int(env_number("BENCH_DECISIONS", 2_000_000) * scale)
    staff = max(1, int(STAFF * scale))
    users = int(env_number("BENCH_USERS", 64))
    supervisors = int(env_number("BENCH_SUPERVISORS", 8))
    seconds = env_number("BENCH_SECONDS", 60)
    if pg_bin() is None:
        print("load: skipped, no PostgreSQL binaries under /usr/lib/postgresql")
        return 0
    RESULTS.mkdir(exist_ok=True)
    began = time.perf_counter()

    def out(text: str) -> None:
        print(f"[{time.perf_counter() - began:7.1f} s] {text}", flush=True)

    info = {"machine": machine(), "load_before": load_average(), "nice": niceness}
    password = secrets.token_urlsafe(24)
    workdir = Path(tempfile.mkdtemp(prefix="rcrp-bench-load-"))
    server = None
    try:
        with cluster(pg_settings(info["machine"]["ram_gb"])) as pg:
            supervision.setup_django(pg["port"])
            from django.db import connections

            out(f"PostgreSQL on port {pg['port']}; {count:,} decisions, {staff:,} staff, {users} handlers")
            prepared = seed(count, staff, password, out)
            out("In-process supervision measurements (bench/supervision.py):")
            inproc = supervision.measure(out)
            hot = hot_path(password, out)
            load_targets = targets(password)
            (workdir / "targets.json").write_text(json.dumps(load_targets), encoding="utf-8")
            connections.close_all()

            port = free_port()
            env = server_env(pg["port"], workdir / "static")
            server = start_server(env, port, out)
            locust_env = {**env, "BENCH_TARGETS": str(workdir / "targets.json")}
            think = os.environ.get("BENCH_THINK_SECONDS")
            if think:
                locust_env["BENCH_THINK_SECONDS"] = think
            host = f"http://127.0.0.1:{port}"
            phases: dict[str, dict[str, Any]] = {}
            peaks: dict[str, float] = {}
            paced = {**locust_env, "BENCH_STEP_SECONDS": str(PEAK_STEP_SECONDS)}
            for name, user_class, n, phase_env in (
                ("baseline", "BaselineUser", users, locust_env),
                ("journey", "HandlerUser", users, locust_env),
                (PACED, "HandlerUser", users, paced),
                ("supervisor", "SupervisorUser", supervisors, locust_env),
                ("dashboards", "DashboardUser", supervisors, locust_env),
            ):
                out(f"Phase {name}: {n} users, {seconds:.0f} s after all have signed in")
                phases[name] = run_phase(name, user_class, n, host, workdir, phase_env, seconds)
                p = phases[name]
                for pid in worker_pids(server.pid):
                    peaks[str(pid)] = max(peaks.get(str(pid), 0.0), peak_rss_mb(pid))
                out(
                    f"  {p['requests']:,} requests, {p['rps']} req/s, p50 {p['p50_ms']:.0f} / "
                    f"p95 {p['p95_ms']:.0f} / p99 {p['p99_ms']:.0f} ms, {p['failures']} errors; "
                    f"worker peak RSS {max(peaks.values(), default=0)} MB"
                )
            stop_server(server)  # before its database goes: requests still in flight would fail
            server = None
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(workdir, ignore_errors=True)

    imported = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(ROOT / "bench" / "import_staff.py"), "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    roster = json.loads(imported.stdout.strip().splitlines()[-1])
    out(f"Roster import of {roster['rows']:,} rows: {roster['imports'][0]['seconds']} s")

    summary = supervision.report(
        count, inproc, prepared, {**info, "database": "PostgreSQL", "load": {}, "pg_settings": {}}
    )
    think_s = os.environ.get("BENCH_THINK_SECONDS", "0")
    how = (
        f"gunicorn {WORKERS} sync workers (a 2-core machine: one per core) with the production settings "
        f"on 127.0.0.1, driven by Locust headless ({users} handlers, {supervisors} supervisors, "
        f"{seconds:.0f} s per phase after sign-in, think time {think_s} s); "
        f"the machine is shared, load average before {info['load_before']}, after {load_average()}."
    )
    result = _report.latest(
        machine=info["machine"],
        decisions=count,
        phases=phases,
        concurrency=users,
        supervision=summary,
        worker_peak_mb=max(peaks.values(), default=0.0),
        import_2500_s=roster["imports"][0]["seconds"],
        detail={
            "how": how,
            "measured_on": dt.datetime.now(tz=dt.UTC).isoformat(timespec="minutes"),
            "staff": staff,
            "worker_peak_mb_each": peaks,
            "preparation": prepared,
            "hot_path": hot,
            "in_process_supervision": inproc,
            "roster_import": roster,
        },
    )
    found = _report.verdicts(result)
    result["detail"]["sections"] = {
        "Hot path (one journey's requests in-process)": hot_section(hot),
        "Profile of the journey (cProfile, in-process, cumulative)": f"```\n{hot['profile_cumulative']}\n```",
        "Profile of the journey (own time)": f"```\n{hot['profile_own_time']}\n```",
        "In-process supervision (issue 10's figures)": supervision_section(inproc),
    }
    (RESULTS / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    (RESULTS / "latest.md").write_text(
        _report.markdown(result, found, explain(result, hot)), encoding="utf-8"
    )
    for verdict in found:
        print(verdict.line())
    print(f"Wrote bench/results/latest.json and latest.md in {time.perf_counter() - began:.0f} s")
    return 0 if all(v.met for v in found) else 1


if __name__ == "__main__":
    sys.exit(main())
