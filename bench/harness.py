"""The setup every benchmark shares: databases (the real files or synthetic rows), an embedded
store of the real files, warm servers (`sharemap serve` and the hello-world baseline under the
same gunicorn settings), wrk runs, and medians and ratios over interleaved rounds.

Benchmarks import it after putting the project root on sys.path:

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.harness import ...
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from geo.hours import Schedule  # noqa: E402
from geo.korea import in_korea  # noqa: E402
from layers import registry  # noqa: E402
from layers.record import FeatureRecord  # noqa: E402
from layers.store.postgis import PostgisStore, engine_url  # noqa: E402

ADMIN_URL = os.environ.get("DATABASE_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HELLO_DIR = ROOT / "bench" / "http"  # hello.py: the hello-world Flask app every bench compares to
PATHS_LUA = ROOT / "bench" / "http" / "paths.lua"  # the wrk script cycling through a path list
ONCE_LUA = ROOT / "bench" / "tiles" / "once.lua"  # the wrk script giving each thread its share

# -- databases and stores -----------------------------------------------------------------------


@contextmanager
def empty_database(prefix: str = "sharemap_bench") -> Iterator[str]:
    """A new, migrated PostGIS database, dropped afterwards."""
    from layers.store.postgis.migrate import upgrade

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(engine_url(ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def real_database(database_url: str | None = None) -> Iterator[str]:
    """`database_url` when given (already loaded), else a new database loaded from the real
    files (the default source directory) by the ETL, dropped afterwards."""
    if database_url:
        yield database_url
        return
    with empty_database() as url:
        store = PostgisStore(url)
        load_real_files(store)
        store.close()
        vacuum_analyze(url)
        yield url


@contextmanager
def synthetic_database(rows: int) -> Iterator[str]:
    """A new database with `rows` synthetic features spread over the point layers."""
    with empty_database("sharemap_bench_synthetic") as url:
        store = PostgisStore(url)
        load_synthetic(store, rows)
        store.close()
        vacuum_analyze(url)
        yield url


@contextmanager
def real_embedded_store() -> Iterator[Path]:
    """A temporary SHAREMAP_DATA_DIR holding an embedded store loaded from the real files by
    `sharemap load` (as an agency would)."""
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "SHAREMAP_DATA_DIR": data_dir, "DATABASE_URL": ""}
        subprocess.run(
            [sys.executable, str(ROOT / "cli.py"), "load"], env=env, check=True, capture_output=True
        )
        yield Path(data_dir)


def load_real_files(store: object, layer_ids: Sequence[str] = registry.LAYER_IDS) -> None:
    """Load layers from the real files (regions come with any point layer)."""
    from etl.load.inputs import JobSettings
    from etl.load.job import run
    from layers.config import Config

    with tempfile.TemporaryDirectory() as reports:
        settings = JobSettings(source_dir=Config.from_env().source_dir, report_dir=Path(reports))
        run(store, layer_ids, settings)  # type: ignore[arg-type]


def load_synthetic(store: PostgisStore, rows: int) -> None:
    per_layer = rows // len(registry.LAYER_IDS)
    for k, layer_id in enumerate(registry.LAYER_IDS):
        store.replace_layer(layer_id, synthetic(layer_id, per_layer, k), data_version="bench")


def vacuum_analyze(url: str) -> None:
    with psycopg.connect(
        url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
    ) as c:
        c.execute("VACUUM ANALYZE")


# -- synthetic data -----------------------------------------------------------------------------

# (lon, lat, share of the rows, spread in degrees): Korean cities, and the rest of the country
CITIES = (
    (126.978, 37.5665, 0.35, 0.08),
    (129.075, 35.180, 0.12, 0.06),
    (126.705, 37.456, 0.10, 0.06),
    (128.601, 35.871, 0.08, 0.05),
    (127.385, 36.351, 0.06, 0.05),
    (126.852, 35.160, 0.06, 0.05),
)
KOREA_BOX = (125.0, 33.1, 129.6, 38.6)
OFFICE_HOURS = Schedule(
    weekday=((540, 1080),), saturday=((540, 780),), sunday=(), holiday=()
).to_json()


def random_point(rnd: random.Random) -> tuple[float, float]:
    while True:
        pick = rnd.random()
        for lon, lat, share, spread in CITIES:
            if pick < share:
                x, y = rnd.gauss(lon, spread), rnd.gauss(lat, spread)
                break
            pick -= share
        else:
            x, y = rnd.uniform(KOREA_BOX[0], KOREA_BOX[2]), rnd.uniform(KOREA_BOX[1], KOREA_BOX[3])
        if in_korea(x, y):
            return round(x, 7), round(y, 7)


def prop_value(rnd: random.Random, type_: str, i: int) -> object:
    if type_ == "int":
        return rnd.randint(0, 60)
    if type_ == "float":
        return round(rnd.uniform(10, 500), 1)
    if type_ == "bool":
        return rnd.random() < 0.5
    if type_ == "date":
        return f"20{rnd.randint(10, 24)}-0{rnd.randint(1, 9)}-1{rnd.randint(0, 9)}"
    if type_ == "json":
        return rnd.sample(["샤워장", "개수대", "화장실", "전기", "매점", "놀이터"], 3)
    return f"값 {i % 97}"


def synthetic(layer_id: str, n: int, seed: int) -> Iterator[FeatureRecord]:
    rnd = random.Random(seed)
    fields = registry.get(layer_id).fields
    for i in range(n):
        lon, lat = random_point(rnd)
        yield FeatureRecord(
            layer=layer_id,
            id=f"{layer_id}:bench:{i:07d}",
            name=f"합성 {layer_id} {i}",
            lon=lon,
            lat=lat,
            address=f"서울특별시 중구 세종대로 {i % 500}",
            sido="서울특별시",
            sigungu="중구" if i % 2 else "종로구",
            phone="02-120",
            opening_hours_raw="평일 09:00~18:00" if i % 2 else None,
            opening_hours=OFFICE_HOURS if i % 2 else None,
            fee=("free", "paid", "unknown")[i % 3],
            wheelchair=(True, False, None)[i % 3],
            source=f"bench.csv#{i + 2}",
            updated_at="2024-05-01",
            props={f.name: prop_value(rnd, f.type, i) for f in fields},
        )


# -- servers ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def started(
    command: list[str], env: dict[str, str], cwd: Path, port: int, out: IO[str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """Runs `command` (its output to `out`, else discarded) until the block ends; yields the
    process once the port accepts."""
    target = out if out is not None else subprocess.DEVNULL
    proc = subprocess.Popen(
        command, cwd=cwd, env={**os.environ, **env}, stdout=target, stderr=target
    )
    try:
        for _ in range(600):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit(f"server exited with {proc.returncode}: {command}") from None
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def server(command: list[str], env: dict[str, str], cwd: Path, port: int) -> Iterator[str]:
    """Runs `command` until the block ends; yields its base URL once the port accepts."""
    with started(command, env, cwd, port):
        yield f"http://127.0.0.1:{port}"


def gunicorn_command(target: str, port: int, workers: int, threads: int) -> list[str]:
    """The same gunicorn settings as `sharemap serve` (app/cli.py)."""
    from app.cli import KEEPALIVE_S, WORKER_TIMEOUT_S

    return [
        sys.executable, "-m", "gunicorn", target, "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
        "--timeout", str(WORKER_TIMEOUT_S), "--keep-alive", str(KEEPALIVE_S), "--no-control-socket",
    ]  # fmt: skip


@contextmanager
def sharemap_server(env: dict[str, str], workers: int = 2, threads: int = 8) -> Iterator[str]:
    """`sharemap serve` with `env` (DATABASE_URL or SHAREMAP_DATA_DIR, settings)."""
    port = free_port()
    command = [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port),
               "--workers", str(workers), "--threads", str(threads)]  # fmt: skip
    with server(command, env, ROOT, port) as base:
        yield base


@contextmanager
def hello_server(workers: int = 2, threads: int = 8) -> Iterator[str]:
    """The hello-world Flask app (bench/http/hello.py) under the same gunicorn settings."""
    port = free_port()
    with server(gunicorn_command("hello:app", port, workers, threads), {}, HELLO_DIR, port) as base:
        yield base


# -- load and figures ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Load:
    rps: float
    p50_ms: float
    p99_ms: float


def wrk_options(
    parser: argparse.ArgumentParser,
    *,
    seconds: float,
    connections: int,
    threads: int,
    rounds: int = 3,
    workers: int = 2,
) -> None:
    """The options of a benchmark that loads gunicorn with wrk: --seconds a run (an int
    default keeps it an int), --rounds, --connections, gunicorn --workers and --threads."""
    parser.add_argument("--seconds", type=type(seconds), default=seconds)
    parser.add_argument("--rounds", type=int, default=rounds)
    parser.add_argument("--connections", type=int, default=connections)
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--threads", type=int, default=threads)


def wrk(
    base: str, paths: Sequence[str], seconds: float, connections: int, *, once: bool = False
) -> Load:
    """wrk -t2 cycling through `paths` (each thread from its own place), or with `once` each
    thread through its own share (bench/tiles/once.lua: with more paths than the run sends,
    none is sent twice); any non-2xx/3xx answer stops the benchmark."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(paths) + "\n")
    try:
        out = subprocess.run(
            [
                "wrk", "--threads", "2", "--connections", str(connections),
                "--duration", f"{max(1, round(seconds))}s", "--latency",
                "--script", str(ONCE_LUA if once else PATHS_LUA), base, "--", fh.name, "2",
            ],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    finally:
        os.unlink(fh.name)
    if "Non-2xx" in out:
        raise SystemExit(f"errors from {base}{paths[0]}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return Load(rps, _percentile(out, "50"), _percentile(out, "99"))


def _percentile(out: str, p: str) -> float:
    value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 1e-3, "ms": 1.0, "s": 1e3}[unit]


def median_load(runs: Sequence[Load]) -> Load:
    return Load(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
    )


def median_ratio(runs: Sequence[Load], baseline: Sequence[Load]) -> float:
    """The median over rounds of each round's req/s ratio to the baseline of the same round."""
    return statistics.median(r.rps / b.rps for r, b in zip(runs, baseline, strict=True))


def rounds(
    jobs: dict[str, Callable[[], Load]], n: int, warm_up: Callable[[], object] | None = None
) -> dict[str, list[Load]]:
    """Every job once per round, interleaved, so that the machine's noise hits them alike;
    `warm_up` first (connections, plans, workers all booted)."""
    if warm_up is not None:
        warm_up()
    out: dict[str, list[Load]] = {name: [] for name in jobs}
    for _ in range(n):
        for name, job in jobs.items():
            out[name].append(job())
    return out
