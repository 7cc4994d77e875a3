"""How a PostGIS store's process learns of loads and rollbacks without asking on every request.

A daemon thread LISTENs on queries.VERSIONS_CHANNEL (each swap and rollback transaction
notifies it) and, on a notice, calls `on_change`, which reads the versions with
`point_versions` and maps the new snapshot. It also calls it every CHECK_S, and every POLL_S
while it cannot listen (connection lost): then `point_versions` alone keeps the process
current. `point_versions` is a plain query so that it also works against a read replica, where
no NOTIFY arrives: there (`listen=False`) the watcher only polls, every POLL_S, so that a
process switches to a version once the replica it reads from has replayed it, never before.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

import psycopg

from layers.store.postgis import queries as q

log = logging.getLogger(__name__)

CHECK_S = 10.0  # a check while listening: a notice lost in some proxy is caught up with
POLL_S = 1.0  # the check while the listening connection is down, and on a read replica


def point_versions(conn: Any) -> dict[str, int]:
    """The current version id of every point layer; `conn` is a psycopg connection."""
    return {layer: int(version) for layer, version in conn.execute(q.POINT_VERSIONS)}


class VersionWatcher:
    def __init__(
        self, conninfo: str, on_change: Callable[[], object], *, listen: bool = True
    ) -> None:
        self.conninfo = conninfo
        self.listen = listen
        self.on_change = on_change
        self.listening = threading.Event()
        self._failing = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sharemap-versions", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        if not self.listen:  # a read replica: no NOTIFY ever arrives there
            self._check()
            while not self._stop.wait(POLL_S):
                self._check()
            return
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(q.LISTEN_VERSIONS)
                    self.listening.set()
                    self._check()  # whatever was committed while nobody listened
                    while not self._stop.is_set():
                        # returns at the first notice, or after CHECK_S without one
                        for _notice in conn.notifies(timeout=CHECK_S, stop_after=1):
                            pass
                        # a burst of notices (several layers loaded) is one check
                        for _notice in conn.notifies(timeout=0.05):
                            pass
                        self._check()
            except Exception as exc:
                if self.listening.is_set():
                    log.warning("near-me: not listening for loads (%s); polling", exc)
                self.listening.clear()
                if self._stop.wait(POLL_S):
                    return
                self._check()

    def _check(self) -> None:
        try:
            self.on_change()
            self._failing = False
        except Exception as exc:  # the next notice or poll tries again; said once, not each time
            if not self._failing:
                log.warning("near-me: could not read the current versions: %s", exc)
            self._failing = True
