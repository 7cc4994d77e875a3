"""`sharemap serve`: the app under gunicorn with threaded workers, so that long downloads stream
while other requests are answered, and timeouts that never cut a download off."""

from __future__ import annotations

import argparse
import sys
from typing import Any

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_WORKERS = 2
DEFAULT_THREADS = 8
# gthread workers heartbeat from their main thread, so a request thread may stream for as long
# as a download takes; `timeout` only catches a worker that hangs altogether.
WORKER_TIMEOUT_S = 120
KEEPALIVE_S = 5
# what a client may send: the API takes GET requests whose longest honest request line (a bbox,
# a few filters, a datetime) is well under 1 KB; anything longer or with more headers is refused
# by gunicorn (414, 431) before the app sees it
LIMIT_REQUEST_LINE = 4094
LIMIT_REQUEST_FIELDS = 50
LIMIT_REQUEST_FIELD_SIZE = 8190


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sharemap serve", description="Serve the sharemap web API.")
    p.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on (default {DEFAULT_HOST})"
    )
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    p.add_argument(
        "--workers",
        type=int,
        default=DEFAULT_WORKERS,
        help=f"worker processes (default {DEFAULT_WORKERS})",
    )
    p.add_argument(
        "--threads",
        type=int,
        default=DEFAULT_THREADS,
        help=f"threads per worker (default {DEFAULT_THREADS})",
    )
    return p


def gunicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "bind": f"{args.host}:{args.port}",
        "workers": args.workers,
        "worker_class": "gthread",
        "threads": args.threads,
        "timeout": WORKER_TIMEOUT_S,
        "graceful_timeout": 30,
        "keepalive": KEEPALIVE_S,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
        # the app logs one line per request (coordinates rounded); gunicorn's own access log
        # would repeat it with the raw query string
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "info",
        # one shared control socket path would make two servers on one machine collide
        "control_socket_disable": True,
        "post_worker_init": _warm_worker,
    }


def _warm_worker(worker: Any) -> None:
    """Open the store and build its near-me index before the worker takes a request, so that
    no visitor waits for them (seconds on a large store)."""
    from app.context import warm_up

    warm_up(worker.wsgi)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    if args.workers < 1 or args.threads < 1 or not 0 < args.port < 65536:
        print(
            "sharemap serve: --workers and --threads must be >= 1, --port 1-65535", file=sys.stderr
        )
        return 2
    from gunicorn.app.base import BaseApplication

    from app import create_app

    class Server(BaseApplication):
        def load_config(self) -> None:
            for key, value in gunicorn_options(args).items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app()

    try:
        create_app()  # a bad setting fails here, once, rather than in every worker
    except ValueError as exc:
        print(f"sharemap serve: {exc}", file=sys.stderr)
        return 2
    print(f"sharemap: serving on http://{args.host}:{args.port}/", file=sys.stderr, flush=True)
    Server().run()
    return 0
