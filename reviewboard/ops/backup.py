"""Online, consistent backups and restores (EU GMP Annex 11 §7.2: backups whose restore is tested).

SQLite: the online backup API (never a bare copy of a WAL database), then an integrity check of the
copy. PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot while writers run) and
``pg_restore`` into an empty database.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess  # nosec B404  # fixed argument lists, no shell
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(RuntimeError):
    pass


@dataclass
class BackupResult:
    path: Path
    engine: str
    size: int


def _pg_args(url) -> list[str]:
    args = []
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    return args


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian package postgresql-client)")
    return path


def backup(database_url: str, target: Path) -> BackupResult:
    url = make_url(database_url)
    target = Path(target)
    if target.exists():
        raise BackupError(f"{target} exists; choose a new file name (backups are never overwritten)")
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        dest = sqlite3.connect(target)
        try:
            source.backup(dest)
            status = dest.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dest.close()
            source.close()
        if status != "ok":
            raise BackupError(f"integrity check of the copy failed: {status}")
        return BackupResult(target, "sqlite", target.stat().st_size)
    if url.get_backend_name() == "postgresql":
        cmd = [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(target), *_pg_args(url),
               url.database]
        env = {"PGPASSWORD": url.password} if url.password else None
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603  # nosec B603
        if result.returncode != 0:
            target.unlink(missing_ok=True)
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        return BackupResult(target, "postgresql", target.stat().st_size)
    raise BackupError(f"unsupported database: {url.get_backend_name()}")


def restore(backup_file: Path, database_url: str) -> None:
    """Restore into an EMPTY database (a new SQLite file, or an empty PostgreSQL database)."""
    url = make_url(database_url)
    backup_file = Path(backup_file)
    if url.get_backend_name() == "sqlite":
        dest_path = Path(url.database)
        if dest_path.exists() and dest_path.stat().st_size > 0:
            raise BackupError(f"{dest_path} exists; restore into a new file")
        source = sqlite3.connect(backup_file)
        dest = sqlite3.connect(dest_path)
        try:
            source.backup(dest)
            if dest.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError("integrity check of the restored database failed")
        finally:
            dest.close()
            source.close()
        return
    cmd = [_tool("pg_restore"), "--no-owner", "--exit-on-error", "--dbname", url.database, *_pg_args(url),
           str(backup_file)]
    env = {"PGPASSWORD": url.password} if url.password else None
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)  # noqa: S603  # nosec B603
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
