"""A PostgreSQL cluster of a test's own (initdb under a temporary directory, a free port, run as
`postgres`), for tests that stop and start the database or stream it to a replica: never the
machine's shared one."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, replica_of: Cluster | None = None) -> None:
        """A new cluster; with `replica_of` (a running cluster), a streaming replica of it: a
        base backup (`pg_basebackup -R -X stream`, which writes the standby settings) instead of
        initdb. initdb's `-A trust` lets local connections replicate; wal_level is `replica`
        by default."""
        self.dir = Path(tempfile.mkdtemp(prefix="sharemap-pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self.port = _free_port()
        user = pwd.getpwnam("postgres")
        os.chmod(self.dir, 0o755)
        os.chown(self.dir, user.pw_uid, user.pw_gid)
        if replica_of is not None:
            self._as_postgres(
                str(PG_BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(replica_of.port),
                "-U", "postgres", "-D", str(self.data), "-R", "-X", "stream", "--no-sync",
                "-c", "fast",
            )  # fmt: skip
            return
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-D",
            str(self.data),
        )

    def _as_postgres(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            check=check,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.dir / "log"),
            "-o", options, "-w", "-t", "60", "start",
        )  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop"
        )

    def psql(self, sql: str, database: str = "postgres") -> str:
        return self._as_postgres(
            str(PG_BIN / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-d", database,
            "-v", "ON_ERROR_STOP=1", "-Atc", sql,
        ).stdout  # fmt: skip

    def copy_database(self, source_url: str, database: str) -> None:
        """`database` here becomes a copy of the one at `source_url` (schema and data)."""
        self.psql(f'CREATE DATABASE "{database}"')
        dump = subprocess.run(
            [str(PG_BIN / "pg_dump"), "-Fc", "--no-owner", "--no-privileges", source_url],
            check=True,
            capture_output=True,
            timeout=300,
        )
        restore = subprocess.run(
            [str(PG_BIN / "pg_restore"), "--no-owner", "--no-privileges", "-d", self.url(database)],
            input=dump.stdout,
            capture_output=True,
            timeout=300,
        )
        if restore.returncode != 0 and b"ERROR" in restore.stderr:
            raise RuntimeError(restore.stderr.decode(errors="replace")[-2000:])

    def remove(self) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
        )
        shutil.rmtree(self.dir, ignore_errors=True)
