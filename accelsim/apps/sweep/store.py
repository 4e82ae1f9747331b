"""The sweep's SQLite store: one row per (point, network), chunks written in one transaction
each (WAL journal), so a kill loses only chunks in flight; reading rows back as a DataFrame."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from accelsim.account.result import BOOLEAN_FIELDS, BYTE_FIELDS
from accelsim.apps.sweep.evaluate import METRICS
from accelsim.apps.sweep.spec import SweepSpec
from accelsim.errors import AccelsimError


def spec_hash(spec: SweepSpec, base: Mapping[str, Any]) -> str:
    text = json.dumps({"spec": spec.model_dump(), "base": base}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def open_db(path: Path, spec: SweepSpec, base: Mapping[str, Any], total: int) -> sqlite3.Connection:
    """The results database, created for this sweep, or reopened if it holds this sweep."""
    digest = spec_hash(spec, base)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)  # the folder a user names is made
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        found = dict(db.execute("SELECT key, value FROM meta"))
    except OSError as exc:
        raise AccelsimError(f"--out: cannot make folder {path.parent} ({exc.strerror})") from None
    except sqlite3.OperationalError as exc:  # disk full, no permission, locked
        raise AccelsimError(f"{path}: cannot open the results database ({exc})") from None
    except sqlite3.DatabaseError as exc:
        raise AccelsimError(f"{path}: not a sweep database ({exc})") from None
    if found and found.get("hash") != digest:
        db.close()
        raise AccelsimError(
            f"{path} holds a different sweep (spec hash {found.get('hash')}); choose another --out"
        )
    axes = ", ".join(f"{_quote(a)}" for a in spec.axes)
    metrics = ", ".join(
        f"{m} {'INTEGER' if m in (*BOOLEAN_FIELDS, *BYTE_FIELDS) else 'REAL'}" for m in METRICS
    )
    meta = {
        "hash": digest,
        "spec": spec.model_dump_json(),
        "base": json.dumps(base, default=str),
        "points": str(total),
        "axes": json.dumps(list(spec.axes)),
    }
    try:
        with db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS results (point_id INTEGER NOT NULL, network TEXT NOT NULL, "
                f"status TEXT NOT NULL, error TEXT, {axes}, {metrics}, PRIMARY KEY (point_id, network))"
            )
            db.executemany("INSERT OR IGNORE INTO meta VALUES (?, ?)", meta.items())
    except sqlite3.Error as exc:
        db.close()
        raise AccelsimError(f"{path}: cannot create the results tables ({exc})") from None
    return db


def write_rows(db: sqlite3.Connection, rows: Sequence[Mapping[str, Any]], axes: Sequence[str]) -> int:
    """Insert rows in one transaction; rows already there are left alone. Returns rows added."""
    columns = ["point_id", "network", "status", "error", *axes, *METRICS]
    sql = (
        f"INSERT OR IGNORE INTO results ({', '.join(_quote(c) for c in columns)}) "
        f"VALUES ({', '.join('?' for _ in columns)})"
    )
    values = [[_cell(row.get(c)) for c in columns] for row in rows]
    with db:
        before = db.total_changes
        db.executemany(sql, values)
        return db.total_changes - before


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return json.dumps(value, default=str)


def row_count(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT COUNT(*) FROM results").fetchone()[0])


def done_pairs(db: sqlite3.Connection, first: int, last: int) -> set[tuple[int, str]]:
    """The (point, network) rows stored for points first..last."""
    return set(
        db.execute("SELECT point_id, network FROM results WHERE point_id BETWEEN ? AND ?", (first, last))
    )


def _read(path: Path, how: str) -> tuple[dict[str, str], Any]:
    import pandas as pd

    db = sqlite3.connect(f"file:{path}?{how}", uri=True)
    try:
        meta = dict(db.execute("SELECT key, value FROM meta"))
        return meta, pd.read_sql_query("SELECT * FROM results ORDER BY point_id, network", db)
    finally:
        db.close()


def read_results(path: Path) -> Any:
    """All rows of a sweep database as a pandas DataFrame (and its axes)."""
    import pandas as pd

    if not path.is_file():
        raise AccelsimError(f"sweep results not found: {path}")
    try:
        meta, frame = _read(path, "mode=ro")
    except sqlite3.OperationalError:
        # a WAL database in a folder it cannot write: SQLite cannot make its side files there, so
        # the finished file is read as it stands (a sweep that ended has nothing left in its log)
        try:
            meta, frame = _read(path, "immutable=1")
        except (sqlite3.DatabaseError, pd.errors.DatabaseError) as exc:
            raise AccelsimError(f"{path}: not an accelsim sweep database ({exc})") from None
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as exc:
        raise AccelsimError(f"{path}: not an accelsim sweep database ({exc})") from None
    for column in BOOLEAN_FIELDS:  # stored as 0/1; None where a point failed
        frame[column] = frame[column].astype("boolean")
    for column in BYTE_FIELDS:
        frame[column] = frame[column].astype("Int64")
    frame.attrs["axes"] = json.loads(meta.get("axes", "[]"))
    frame.attrs["points"] = int(meta.get("points", 0))
    return frame
