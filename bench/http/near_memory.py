"""Near-me memory and freshness under `sharemap serve`: PSS of the server and of each worker
(from /proc/<pid>/smaps_rollup: shared pages of the memory-mapped snapshot count once, split
between the processes that map them), and how long after a load's commit every worker answers
from the new versions.

    python bench/http/near_memory.py [--scales real,100000,1000000] [--loads 5]

`real` is the real source files (`sharemap load`), the numbers synthetic rows over the five
layers (bench/http/run.py's). Each scale: a new database, `sharemap serve --workers 2` with its
own SHAREMAP_DATA_DIR, a minute of near-me queries (wrk) so that the pages answers touch are in,
then PSS; then `--loads` loads of one layer (the loader shares the server's cache directory, so
it builds the snapshot before its swap, as `sharemap load` does), each timed from the swap's
NOTIFY (heard by this script) until every worker has mapped the new snapshot, which a worker
does right before it answers from it.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import psycopg  # noqa: E402

from bench.harness import (  # noqa: E402
    free_port,
    random_point,
    real_database,
    started,
    synthetic,
    synthetic_database,
    wrk,
)
from layers.store import near_cache_dir  # noqa: E402
from layers.store.nearme import key_name  # noqa: E402
from layers.store.postgis import PostgisStore  # noqa: E402
from layers.store.postgis import queries as q  # noqa: E402

_NEAR_LINE = re.compile(r"GET /api/near\S* 200 ([\d.]+)ms")


def pss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    raise RuntimeError(f"no Pss for {pid}")


def children(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


@contextmanager
def serving(cmd: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[tuple[str, int]]:
    """harness.started(), keeping the server's log (the app's request lines) in `log`; the base URL
    and the server's process id (the gunicorn master)."""
    with log.open("w") as out, started(cmd, env, ROOT, port, out) as proc:
        base = f"http://127.0.0.1:{port}"
        # every worker builds or maps its snapshot before it answers: wait for both
        deadline = time.monotonic() + 1200
        answered: set[int] = set()
        while len(answered) < 2 and time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/api/near?lat=37.5&lon=127.0", timeout=60):
                    pass
                answered |= {pid for pid in children(proc.pid) if _has_snapshot(pid)}
            except OSError:
                time.sleep(0.5)
        yield base, proc.pid


def logged_ms(log: Path, skip: int) -> list[float]:
    """Durations of the near-me requests the app logged, after the first `skip` lines."""
    lines = log.read_text().splitlines()[skip:]
    return sorted(float(m[1]) for line in lines if (m := _NEAR_LINE.search(line)))


def _has_snapshot(pid: int) -> bool:
    return "/docs.bin" in Path(f"/proc/{pid}/maps").read_text()


def mapped(pid: int, directory: str) -> bool:
    return f"{directory}/docs.bin" in Path(f"/proc/{pid}/maps").read_text()


def time_the_switch(url: str, cache_dir: Path, workers: list[int], delays: list[float]) -> None:
    """From the NOTIFY of the next swap until every worker has mapped its snapshot."""
    with psycopg.connect(url, autocommit=True) as listener:
        listener.execute(q.LISTEN_VERSIONS)
        # consumed to the end: a live notifies() generator holds the connection
        heard = list(listener.notifies(timeout=600, stop_after=1))
        committed = time.monotonic()
        assert heard, "no NOTIFY heard"
        versions = listener.execute(q.POINT_VERSIONS).fetchall()
    key = tuple((layer_id, str(v)) for layer_id, v in versions)
    directory = f"{cache_dir}/{key_name(key)}"
    while not all(mapped(pid, directory) for pid in workers):
        if time.monotonic() - committed > 300:
            raise SystemExit("a worker never switched")
        time.sleep(0.001)
    delays.append(time.monotonic() - committed)


def measure(url: str, rows: str, args: argparse.Namespace) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as data_dir:
        port = free_port()
        cmd = [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port), "--workers", "2"]
        env = {"DATABASE_URL": url, "SHAREMAP_DATA_DIR": data_dir}
        rnd = random.Random(5)
        paths = [
            f"/api/near?lat={lat}&lon={lon}"
            for lon, lat in (random_point(rnd) for _ in range(2000))
        ]
        log = Path(data_dir) / "serve.log"
        with serving(cmd, env, port, log) as (base, master):
            wrk(base, paths[:100], 5, 4)  # every worker up, with its snapshot
            skip = len(log.read_text().splitlines())
            load = wrk(base, paths, args.seconds, 4)
            time.sleep(0.5)
            logged = logged_ms(log, skip)
            print(
                f"{rows}: near-me {load.rps:.0f} req/s at 4 connections; p99 {load.p99_ms:.2f} ms "
                f"(wrk), {logged[int(len(logged) * 0.99)]:.2f} ms (the app's request log, "
                f"{len(logged)} requests)",
                flush=True,
            )
            workers = children(master)
            per_worker = [pss_kb(pid) / 1024 for pid in workers]
            total = pss_kb(master) / 1024 + sum(per_worker)
            print(
                f"{rows}: PSS server {total:.0f} MB (master {pss_kb(master) / 1024:.0f} MB, "
                f"workers {', '.join(f'{w:.0f}' for w in per_worker)} MB)",
                flush=True,
            )
            loader = PostgisStore(url, cache_dir=near_cache_dir(data_dir))
            delays: list[float] = []
            layer = "campsites"
            size = loader.count(layer)
            for i in range(args.loads):
                records = list(synthetic(layer, max(size, 1), 100 + i))
                clock = threading.Thread(
                    target=time_the_switch, args=(url, loader.cache_dir, workers, delays)
                )
                clock.start()
                time.sleep(0.5)  # listening before the load commits
                loader.replace_layer(layer, records, data_version=f"reload-{i}")
                clock.join()
                wrk(base, paths[:50], 1, 4)
            loader.close()
        print(
            f"{rows}: a new load in every worker after {statistics.median(delays) * 1e3:.0f} ms "
            f"(median of {len(delays)}; {', '.join(f'{d * 1e3:.0f}' for d in delays)} ms)",
            flush=True,
        )
        return {"rows": rows, "pss_mb": total, "workers_mb": per_worker, "delays_s": delays}


def main() -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--scales", default="real,100000,1000000")
    p.add_argument("--loads", type=int, default=5)
    p.add_argument("--seconds", type=float, default=20)
    args = p.parse_args()
    for scale in args.scales.split(","):
        print(f"== {scale}: loading a database ...", flush=True)
        context = real_database() if scale == "real" else synthetic_database(int(scale))
        with context as url:
            measure(url, scale, args)


if __name__ == "__main__":
    main()
