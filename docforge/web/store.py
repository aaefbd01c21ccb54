"""The workbench's storage: one SQLite file in the data folder (standard ``sqlite3``).

- ``drafts``: a village draft and its working copy (the form's data, the signing date and the
  committee's clause edits), changed as the committee works.
- ``versions``: immutable saved versions of a draft (author, time, the whole state as JSON);
  restoring one copies it into the working copy and never changes the version itself.
- ``uploads``: uploaded files (rosters, imported village files) stored once by their SHA-256.
- ``rosters``: which upload is a draft's roster.
- ``bundles``: bundle runs (state, progress, the folder they wrote under ``bundles/<id>``).

Every write is one transaction (``with self.tx()``): a killed server loses at most the request it
was answering, never a saved version. Schema changes are numbered migrations recorded in
``schema_migrations``; a newer database than this code knows is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

DB_NAME = "docforge-web.sqlite3"

MIGRATIONS: list[str] = [
    # 1: drafts, immutable versions, uploads by content hash, rosters, bundle runs
    """
    CREATE TABLE drafts (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        state TEXT NOT NULL,            -- JSON: {"village": {...}, "as_of": "YYYY-MM-DD", "edits": [...]}
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        draft_id INTEGER NOT NULL REFERENCES drafts(id),
        number INTEGER NOT NULL,
        state TEXT NOT NULL,
        author TEXT NOT NULL,
        note TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        adopted_on TEXT,
        UNIQUE (draft_id, number)
    );
    CREATE TRIGGER versions_immutable BEFORE UPDATE OF state, author, created_at, number, draft_id ON versions
    BEGIN SELECT RAISE(ABORT, 'a saved version cannot be changed'); END;
    CREATE TRIGGER versions_kept BEFORE DELETE ON versions
    BEGIN SELECT RAISE(ABORT, 'a saved version cannot be deleted'); END;
    CREATE TABLE uploads (
        sha256 TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        kind TEXT NOT NULL,              -- xlsx, csv, yaml
        data BLOB NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE rosters (
        id INTEGER PRIMARY KEY,
        draft_id INTEGER NOT NULL REFERENCES drafts(id),
        sha256 TEXT NOT NULL REFERENCES uploads(sha256),
        filename TEXT NOT NULL,
        uploaded_at TEXT NOT NULL
    );
    CREATE TABLE bundles (
        id INTEGER PRIMARY KEY,
        draft_id INTEGER NOT NULL REFERENCES drafts(id),
        version_id INTEGER REFERENCES versions(id),
        roster_id INTEGER REFERENCES rosters(id),
        status TEXT NOT NULL,            -- running, done, failed
        done INTEGER NOT NULL DEFAULT 0,
        total INTEGER,
        message TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    """,
]


def now() -> str:
    return dt.datetime.now().astimezone().replace(microsecond=0).isoformat()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class Version:
    id: int
    draft_id: int
    number: int
    state: dict[str, Any]
    author: str
    note: str
    created_at: str
    adopted_on: str | None


@dataclass
class Draft:
    id: int
    name: str
    state: dict[str, Any]
    created_at: str
    updated_at: str


class StoreError(Exception):
    pass


class Store:
    """The data folder's database. One connection per thread; writes serialised by SQLite."""

    def __init__(self, data_dir: Path | str):
        self.dir = Path(data_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.path = self.dir / DB_NAME
        self._local = threading.local()
        with self.tx() as db:
            self._migrate(db)

    # ------------------------------------------------------------------ plumbing

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=30, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")  # a saved version survives a power cut
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed at the end of the block, rolled back on any exception."""
        db = self._conn()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def _migrate(self, db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)")
        have = db.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
        if have > len(MIGRATIONS):
            raise StoreError(f"{self.path}: the database is of a newer docforge (schema {have}, this one knows "
                             f"{len(MIGRATIONS)}); upgrade docforge")
        for n in range(have + 1, len(MIGRATIONS) + 1):
            for statement in _statements(MIGRATIONS[n - 1]):
                db.execute(statement)
            db.execute("INSERT INTO schema_migrations VALUES (?, ?)", (n, now()))

    def schema_version(self) -> int:
        return self._conn().execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0]

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # ------------------------------------------------------------------ drafts

    def create_draft(self, name: str, state: dict[str, Any]) -> int:
        with self.tx() as db:
            t = now()
            cur = db.execute("INSERT INTO drafts (name, state, created_at, updated_at) VALUES (?, ?, ?, ?)",
                             (name, _dump(state), t, t))
            return _inserted(cur)

    def drafts(self) -> list[Draft]:
        rows = self._conn().execute("SELECT * FROM drafts ORDER BY updated_at DESC, id DESC").fetchall()
        return [_draft(r) for r in rows]

    def draft(self, draft_id: int) -> Draft | None:
        if not _storable(draft_id):
            return None
        row = self._conn().execute("SELECT * FROM drafts WHERE id = ?", (draft_id,)).fetchone()
        return _draft(row) if row else None

    def update_draft(self, draft_id: int, state: dict[str, Any], name: str | None = None) -> None:
        with self.tx() as db:
            if name is not None:
                db.execute("UPDATE drafts SET state = ?, name = ?, updated_at = ? WHERE id = ?",
                           (_dump(state), name, now(), draft_id))
            else:
                db.execute("UPDATE drafts SET state = ?, updated_at = ? WHERE id = ?", (_dump(state), now(), draft_id))

    # ------------------------------------------------------------------ versions

    def save_version(self, draft_id: int, author: str, note: str = "") -> Version:
        """The working copy as a new immutable version (number = last + 1)."""
        with self.tx() as db:
            row = db.execute("SELECT state FROM drafts WHERE id = ?", (draft_id,)).fetchone()
            if row is None:
                raise StoreError(f"draft {draft_id} does not exist")
            n = db.execute("SELECT COALESCE(MAX(number), 0) + 1 FROM versions WHERE draft_id = ?",
                           (draft_id,)).fetchone()[0]
            cur = db.execute("INSERT INTO versions (draft_id, number, state, author, note, created_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)", (draft_id, n, row["state"], author, note, now()))
            return _version(db.execute("SELECT * FROM versions WHERE id = ?", (_inserted(cur),)).fetchone())

    def versions(self, draft_id: int) -> list[Version]:
        rows = self._conn().execute("SELECT * FROM versions WHERE draft_id = ? ORDER BY number DESC",
                                    (draft_id,)).fetchall()
        return [_version(r) for r in rows]

    def version(self, version_id: int) -> Version | None:
        if not _storable(version_id):
            return None
        row = self._conn().execute("SELECT * FROM versions WHERE id = ?", (version_id,)).fetchone()
        return _version(row) if row else None

    def restore(self, version_id: int) -> Version:
        """Copy a version into its draft's working copy (the version stays as it was)."""
        v = self.version(version_id)
        if v is None:
            raise StoreError(f"version {version_id} does not exist")
        self.update_draft(v.draft_id, v.state)
        return v

    def mark_adopted(self, version_id: int, on: dt.date) -> None:
        with self.tx() as db:
            db.execute("UPDATE versions SET adopted_on = ? WHERE id = ?", (on.isoformat(), version_id))

    # ------------------------------------------------------------------ uploads and rosters

    def put_upload(self, data: bytes, kind: str) -> str:
        """Store ``data`` once under its SHA-256 (a second upload of the same bytes stores nothing)."""
        digest = sha256(data)
        with self.tx() as db:
            db.execute("INSERT OR IGNORE INTO uploads (sha256, size, kind, data, created_at) VALUES (?, ?, ?, ?, ?)",
                       (digest, len(data), kind, data, now()))
        return digest

    def upload(self, digest: str) -> tuple[bytes, str] | None:
        row = self._conn().execute("SELECT data, kind FROM uploads WHERE sha256 = ?", (digest,)).fetchone()
        return (bytes(row["data"]), row["kind"]) if row else None

    def upload_count(self) -> int:
        return self._conn().execute("SELECT COUNT(*) FROM uploads").fetchone()[0]

    def add_roster(self, draft_id: int, digest: str, filename: str) -> int:
        with self.tx() as db:
            cur = db.execute("INSERT INTO rosters (draft_id, sha256, filename, uploaded_at) VALUES (?, ?, ?, ?)",
                             (draft_id, digest, filename, now()))
            return _inserted(cur)

    def roster(self, draft_id: int) -> sqlite3.Row | None:
        """The draft's latest roster upload."""
        return self._conn().execute("SELECT r.*, u.kind FROM rosters r JOIN uploads u ON u.sha256 = r.sha256 "
                                    "WHERE r.draft_id = ? ORDER BY r.id DESC LIMIT 1", (draft_id,)).fetchone()

    # ------------------------------------------------------------------ bundles

    def start_bundle(self, draft_id: int, version_id: int | None, roster_id: int | None) -> int:
        with self.tx() as db:
            cur = db.execute("INSERT INTO bundles (draft_id, version_id, roster_id, status, created_at) "
                             "VALUES (?, ?, ?, 'running', ?)", (draft_id, version_id, roster_id, now()))
            return _inserted(cur)

    def bundle_progress(self, bundle_id: int, done: int, total: int | None, message: str = "",
                        status: str = "running") -> None:
        with self.tx() as db:
            db.execute("UPDATE bundles SET done = ?, total = ?, message = ?, status = ? WHERE id = ?",
                       (done, total, message, status, bundle_id))

    def bundle(self, bundle_id: int) -> sqlite3.Row | None:
        if not _storable(bundle_id):
            return None
        return self._conn().execute("SELECT * FROM bundles WHERE id = ?", (bundle_id,)).fetchone()

    def latest_bundle(self, draft_id: int) -> sqlite3.Row | None:
        return self._conn().execute("SELECT * FROM bundles WHERE draft_id = ? ORDER BY id DESC LIMIT 1",
                                    (draft_id,)).fetchone()

    def fail_interrupted_bundles(self) -> None:
        """At start-up: runs that were going when the server stopped did not finish."""
        with self.tx() as db:
            db.execute("UPDATE bundles SET status = 'failed', message = '服务器在生成期间停止，请重新生成' "
                       "WHERE status = 'running'")


def _statements(script: str) -> list[str]:
    """Split a migration into statements, keeping a trigger's BEGIN … END; body whole."""
    out: list[str] = []
    buf = ""
    for part in script.split(";"):
        buf += part + ";"
        if sqlite3.complete_statement(buf):
            if buf.strip(" \n;"):
                out.append(buf.strip())
            buf = ""
    return out


def _dump(state: dict[str, Any]) -> str:
    return json.dumps(state, ensure_ascii=False, sort_keys=True)


def _draft(r: sqlite3.Row) -> Draft:
    return Draft(id=r["id"], name=r["name"], state=json.loads(r["state"]), created_at=r["created_at"],
                 updated_at=r["updated_at"])


def _version(r: sqlite3.Row) -> Version:
    return Version(id=r["id"], draft_id=r["draft_id"], number=r["number"], state=json.loads(r["state"]),
                   author=r["author"], note=r["note"], created_at=r["created_at"], adopted_on=r["adopted_on"])


def _storable(row_id: int) -> bool:
    """Whether SQLite can hold ``row_id`` (a signed 64-bit integer); an id from a URL beyond it names no row."""
    return -(2 ** 63) <= row_id < 2 ** 63


def _inserted(cur: sqlite3.Cursor) -> int:
    """The row id of the row an INSERT just added (sqlite3 sets it after every INSERT)."""
    assert cur.lastrowid is not None
    return cur.lastrowid
