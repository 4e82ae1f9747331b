"""Design-space sweeps: a spec of axes over config fields -> points -> results in SQLite.

Durability: each finished chunk of points is written in one transaction (WAL journal), rows
keyed by (point, network), so a sweep killed at any moment loses only the chunks in flight,
and `--resume` computes exactly the missing rows. Work runs on local processes, or on a Dask
cluster; only the process that owns the database writes to it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from accelsim import units
from accelsim.compare import SUMMARY_FIELDS, summary
from accelsim.errors import AccelsimError, validation_message
from accelsim.hardware import HwConfig, field_path_problem, resolve_accelerator, with_fields
from accelsim.resources import resolve
from accelsim.simulate import simulate
from accelsim.workload import load_net
from accelsim.yamlio import load_yaml_mapping

CHUNK = 10  # points per task: small enough that a kill loses little, large enough to amortize
MAX_POINTS = 1_000_000  # a larger spec is refused unless the caller raises the limit (--max-points)
PARENT_CHECK_S = 0.5  # how often a worker checks that the sweep that started it is still alive
METRICS = tuple(f for f in SUMMARY_FIELDS if f not in ("network", "hardware"))  # result columns


class Sample(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    method: Literal["grid", "random", "lhs"] = "grid"
    n: int | None = Field(None, ge=1, le=10_000_000, description="points, for random and lhs")
    seed: int = 0


class SweepSpec(BaseModel):
    """A sweep file: base chip, networks, and axes over config fields by dotted path."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    base: str
    networks: list[str] = Field(min_length=1)
    axes: dict[str, list[Any]] = Field(min_length=1)
    sample: Sample = Sample()
    mode: Literal["steady", "cold"] = "steady"
    batch: int = Field(1, ge=1)

    @field_validator("axes", mode="before")
    @classmethod
    def _expand(cls, axes: Any) -> Any:
        if not isinstance(axes, Mapping):
            raise ValueError("axes must map dotted config paths to values")
        problems = [problem for path in axes if (problem := field_path_problem(str(path)))]
        if problems:
            raise ValueError("; ".join(problems))
        return {path: axis_values(path, values) for path, values in axes.items()}


def _number(value: Any, path: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    for kind in units.KINDS:
        try:
            return units.parse(value, kind)
        except ValueError:
            continue
    raise ValueError(f"axis '{path}': cannot read {value!r} as a number or a quantity with a unit")


def axis_values(path: str, values: Any) -> list[Any]:
    """A list as it is; {range: [lo, hi], step: s} or {log: [lo, hi], points: n} expanded."""
    if isinstance(values, list) and values:
        return values
    if isinstance(values, Mapping) and "range" in values:
        low, high = (_number(v, path) for v in values["range"])
        step = _number(values.get("step", 1), path)
        if step <= 0 or high < low:
            raise ValueError(f"axis '{path}': range needs low <= high and a positive step")
        count = int(math.floor((high - low) / step + 1e-9)) + 1
        return [_integral(low + i * step) for i in range(count)]
    if isinstance(values, Mapping) and "log" in values:
        low, high = (_number(v, path) for v in values["log"])
        points = int(values.get("points", 5))
        if low <= 0 or high < low or points < 2:
            raise ValueError(f"axis '{path}': log needs 0 < low <= high and points >= 2")
        return [_integral(float(v)) for v in np.geomspace(low, high, points)]
    raise ValueError(
        f"axis '{path}': expected a non-empty list, {{range: [lo, hi], step: s}} or "
        f"{{log: [lo, hi], points: n}}, got {values!r}"
    )


def _integral(value: float) -> float | int:
    return int(round(value)) if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)) else value


def point_count(spec: SweepSpec) -> int:
    """How many points the spec makes, without making them."""
    if spec.sample.method == "grid":
        return math.prod(len(values) for values in spec.axes.values())
    return spec.sample.n or 0


def points(spec: SweepSpec) -> list[dict[str, Any]]:
    """The sweep's points, in a deterministic order (point id = index)."""
    paths = list(spec.axes)
    grids = [spec.axes[p] for p in paths]
    if spec.sample.method == "grid":
        return [dict(zip(paths, combo, strict=True)) for combo in itertools.product(*grids)]
    if spec.sample.n is None:
        raise AccelsimError(f"sample method '{spec.sample.method}' needs n (the number of points)")
    rng = random.Random(spec.sample.seed)
    n = spec.sample.n
    if spec.sample.method == "random":
        return [{p: rng.choice(g) for p, g in zip(paths, grids, strict=True)} for _ in range(n)]
    # Latin hypercube over each axis's values: n equal strata, one draw per stratum, shuffled
    columns = []
    for grid in grids:
        strata = [grid[min(len(grid) - 1, int((i + rng.random()) * len(grid) / n))] for i in range(n)]
        rng.shuffle(strata)
        columns.append(strata)
    return [dict(zip(paths, row, strict=True)) for row in zip(*columns, strict=True)]


def load_sweep(path: str | Path) -> tuple[SweepSpec, dict[str, Any]]:
    """The spec and its base config (as YAML data, before validation)."""
    path = Path(path)
    if not path.is_file():
        raise AccelsimError(f"sweep spec not found: {path}")
    data = load_yaml_mapping(path)
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as exc:
        raise AccelsimError(validation_message(exc, data, str(path), SweepSpec)) from None
    base_path = Path(spec.base)
    if not base_path.is_absolute() and (path.parent / base_path).is_file():
        base_path = path.parent / base_path
    base = load_yaml_mapping(
        resolve(base_path if base_path.is_file() else spec.base, "hw_configs", "hardware config")
    )
    for net in spec.networks:  # fail early on a misspelled network
        load_net(net)
    return spec, dict(base)


# ---------------------------------------------------------------------------- evaluation (workers)


def evaluate_chunk(
    base: Mapping[str, Any],
    chunk: Sequence[tuple[int, dict[str, Any]]],
    networks: Sequence[str],
    mode: str,
    batch: int,
) -> list[dict[str, Any]]:
    """Rows for a chunk of points (runs in a worker process; load_net parses each network file
    once per process)."""
    rows = []
    for point_id, point in chunk:
        chip, error = None, None
        try:
            chip = resolve_accelerator(HwConfig.model_validate(with_fields(base, point)))
        except ValidationError as exc:
            error = validation_message(exc, {}, "point", HwConfig)
        except AccelsimError as exc:
            error = str(exc)
        for name in networks:
            row: dict[str, Any] = {"point_id": point_id, "network": name, **point}
            if chip is None:
                rows.append({**row, "status": "invalid", "error": error})
                continue
            try:
                result = summary(simulate(load_net(name), chip, mode=mode, batch=batch))
                rows.append({**row, "status": "ok", "error": None, **{k: result[k] for k in METRICS}})
            except AccelsimError as exc:
                rows.append({**row, "status": "error", "error": str(exc)})
    return rows


# ---------------------------------------------------------------------------- storage


def spec_hash(spec: SweepSpec, base: Mapping[str, Any]) -> str:
    text = json.dumps({"spec": spec.model_dump(), "base": base}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def open_db(path: Path, spec: SweepSpec, base: Mapping[str, Any], total: int) -> sqlite3.Connection:
    """The results database, created for this sweep, or reopened if it holds this sweep."""
    digest = spec_hash(spec, base)
    if not path.parent.is_dir():
        raise AccelsimError(f"--out: folder {path.parent} does not exist")
    try:
        db = sqlite3.connect(path)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        found = dict(db.execute("SELECT key, value FROM meta"))
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
    metrics = ", ".join(f"{m} REAL" for m in METRICS)
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


def done_pairs(db: sqlite3.Connection) -> set[tuple[int, str]]:
    return set(db.execute("SELECT point_id, network FROM results"))


# ---------------------------------------------------------------------------- running


def _exit_with_parent(parent: int) -> None:
    """Runs in each local worker: end the worker when the sweep that started it has died (even
    by SIGKILL, which leaves no chance to clean up), instead of waiting for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="accelsim-parent-watch", daemon=True).start()


def _local_executor(workers: int | None) -> tuple[Callable[..., Future], Callable[[], None]]:
    pool = ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1, initializer=_exit_with_parent, initargs=(os.getpid(),)
    )
    return pool.submit, lambda: pool.shutdown(wait=False, cancel_futures=True)


def _dask_executor(address: str, workers: int | None) -> tuple[Callable[..., Any], Callable[[], None]]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise AccelsimError(
            "--dask needs dask's distributed scheduler: pip install 'accelsim[dask]'"
        ) from None
    if address == "local":
        cluster = LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
        client = Client(cluster)
    else:
        try:
            client = Client(address, timeout=10)
        except OSError as exc:
            raise AccelsimError(f"--dask: cannot reach the scheduler at {address} ({exc})") from None
        cluster = None

    def submit(fn: Callable[..., Any], *args: Any) -> Any:
        return client.submit(fn, *args, pure=False)

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    return submit, close


def run_sweep(
    spec: SweepSpec,
    base: Mapping[str, Any],
    out: Path,
    resume: bool = False,
    dask: str | None = None,
    workers: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    max_points: int | None = None,
) -> dict[str, int]:
    """Run (or resume) a sweep into `out`. Returns counts of rows: total, done before, added.
    `on_progress(rows, total)` is called with the rows already done, then with each chunk's.
    A spec of more than `max_points` (default MAX_POINTS) points is refused before anything runs."""
    count, limit = point_count(spec), max_points or MAX_POINTS
    if count > limit:
        raise AccelsimError(
            f"the sweep has {count:,} points, more than the limit of {limit:,}; "
            "expected fewer points, or raise the limit with --max-points"
        )
    todo_points = points(spec)
    total_rows = len(todo_points) * len(spec.networks)
    existed = out.exists()
    db = open_db(out, spec, base, len(todo_points))
    try:
        done = done_pairs(db)
        if on_progress:
            on_progress(len(done), total_rows)
        if existed and done and not resume:
            if len(done) >= total_rows:
                return {"total": total_rows, "before": len(done), "added": 0}
            raise AccelsimError(
                f"{out} holds {len(done)} of {total_rows} rows of this sweep; add --resume to continue"
            )
        pending = [
            (i, p) for i, p in enumerate(todo_points) if any((i, n) not in done for n in spec.networks)
        ]
        chunks = [pending[i : i + CHUNK] for i in range(0, len(pending), CHUNK)]
        added = 0
        if chunks:
            submit, close = _dask_executor(dask, workers) if dask else _local_executor(workers)
            try:
                added = _drain(
                    submit, chunks, spec, base, db, lambda n: on_progress and on_progress(n, total_rows)
                )
            except sqlite3.Error as exc:  # disk full, read-only, I/O error: stored chunks are whole
                raise AccelsimError(
                    f"{out}: cannot store results ({exc}); the rows stored before are intact: "
                    "make room and continue with --resume"
                ) from None
            finally:
                close()
        return {"total": total_rows, "before": len(done), "added": added}
    finally:
        db.close()


def _drain(
    submit: Callable[..., Any],
    chunks: Sequence[Any],
    spec: SweepSpec,
    base: Mapping[str, Any],
    db: sqlite3.Connection,
    on_rows: Callable[[int], Any],
) -> int:
    """Keep the workers busy, write each finished chunk, stop cleanly on Ctrl-C."""
    args = (dict(base),)
    tail = (list(spec.networks), spec.mode, spec.batch)
    queue: Iterator[Any] = iter(chunks)
    in_flight: set[Any] = set()
    added = 0
    window = 4 * (os.cpu_count() or 1)
    try:
        for chunk in itertools.islice(queue, window):
            in_flight.add(submit(evaluate_chunk, *args, chunk, *tail))
        while in_flight:
            finished, in_flight = _wait_any(in_flight)
            for future in finished:
                rows = future.result()
                added += write_rows(db, rows, list(spec.axes))
                on_rows(len(rows))
                nxt = next(queue, None)
                if nxt is not None:
                    in_flight.add(submit(evaluate_chunk, *args, nxt, *tail))
    except KeyboardInterrupt:
        for future in in_flight:
            future.cancel()
        raise
    return added


def _wait_any(futures: set[Any]) -> tuple[set[Any], set[Any]]:
    sample = next(iter(futures))
    if isinstance(sample, Future):
        done, rest = wait(futures, return_when=FIRST_COMPLETED)
        return set(done), set(rest)
    from dask.distributed import wait as dask_wait

    result = dask_wait(list(futures), return_when="FIRST_COMPLETED")
    return set(result.done), set(result.not_done)


# ---------------------------------------------------------------------------- reading results


def read_results(path: Path) -> Any:
    """All rows of a sweep database as a pandas DataFrame (and its axes)."""
    import pandas as pd

    if not path.is_file():
        raise AccelsimError(f"sweep results not found: {path}")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        meta = dict(db.execute("SELECT key, value FROM meta"))
        frame = pd.read_sql_query("SELECT * FROM results ORDER BY point_id, network", db)
        db.close()
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as exc:
        raise AccelsimError(f"{path}: not an accelsim sweep database ({exc})") from None
    frame.attrs["axes"] = json.loads(meta.get("axes", "[]"))
    frame.attrs["points"] = int(meta.get("points", 0))
    return frame


def pareto_front(frame: Any, objectives: Sequence[str]) -> Any:
    """Rows no other row beats on every objective (all minimized), per network."""
    ok = frame[frame["status"] == "ok"]
    keep = []
    for _, group in ok.groupby("network", sort=True):
        values = group[list(objectives)].to_numpy(dtype=float)
        for i, row in enumerate(values):
            dominated = np.any(np.all(values <= row, axis=1) & np.any(values < row, axis=1))
            if not dominated:
                keep.append(group.index[i])
    return ok.loc[keep].sort_values(["network", *objectives])
