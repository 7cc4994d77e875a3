"""Run README's first shell command as a new user would, and check that it serves the map.

The command is read from README.md (its first fenced ``sh`` block), so the two cannot drift.
It runs in its own process group (setsid) with the current environment, SHAREMAP_DATA_DIR in
a new temporary directory and DATABASE_URL unset, on its default port 8000. This waits until
GET /near and GET /api/near?lat=37.5665&lon=126.978 answer 200 (the latter with a feature),
then stops the whole group (gunicorn's workers too). Exit 0 when it served, 1 otherwise.

Usage: python scripts/smoke_first_command.py [--timeout SECONDS]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PORT = 8000
BASE = f"http://127.0.0.1:{PORT}"


def first_command(readme: Path) -> str:
    match = re.search(r"^```(?:sh|bash|shell)\n(.*?)^```", readme.read_text("utf-8"), re.M | re.S)
    if match is None:
        raise SystemExit(f"{readme}: no fenced sh block")
    return match.group(1).strip()


def port_taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def get(path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(BASE + path, timeout=10) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except OSError:
        return 0, b""


def served() -> bool:
    status, _ = get("/near")
    if status != 200:
        return False
    status, body = get("/api/near?lat=37.5665&lon=126.978")
    return status == 200 and len(json.loads(body).get("features", [])) > 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--timeout", type=float, default=900, help="seconds to wait (default 900)")
    args = p.parse_args()
    command = first_command(ROOT / "README.md")
    if port_taken(PORT):
        print(f"smoke: port {PORT} is taken; README's first command serves there", file=sys.stderr)
        return 1
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    with tempfile.TemporaryDirectory(prefix="sharemap-smoke-") as data_dir:
        env["SHAREMAP_DATA_DIR"] = data_dir
        print(f"smoke: running README's first command: {command}", flush=True)
        started = time.monotonic()
        proc = subprocess.Popen(["bash", "-c", command], cwd=ROOT, env=env, start_new_session=True)
        try:
            while time.monotonic() - started < args.timeout:
                if proc.poll() is not None:
                    print(f"smoke: the command exited with {proc.returncode}", file=sys.stderr)
                    return 1
                if served():
                    took = time.monotonic() - started
                    print(f"smoke: /near and /api/near answered after {took:.0f} s", flush=True)
                    return 0
                time.sleep(2)
            print(f"smoke: nothing served within {args.timeout:.0f} s", file=sys.stderr)
            return 1
        finally:
            stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the command's whole process group (gunicorn's master and workers), then KILL."""
    for sig, wait_s in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait_s)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)


if __name__ == "__main__":
    raise SystemExit(main())
