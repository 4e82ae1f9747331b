"""Design-space sweeps: a spec of axes over config fields -> points -> results in SQLite.

Durability: each finished chunk of points is written in one transaction (WAL journal), rows
keyed by (point, network), so a sweep killed at any moment loses only the chunks in flight,
and `--resume` computes exactly the missing rows. Work runs on local processes, or on a Dask
cluster; only the process that owns the database writes to it.
"""

from __future__ import annotations

import itertools
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from accelsim.apps.sweep.evaluate import evaluate_chunk
from accelsim.apps.sweep.executors import dask_executor, local_executor, wait_any
from accelsim.apps.sweep.spec import MAX_POINTS, SweepSpec, point_count, points
from accelsim.apps.sweep.store import done_pairs, open_db, write_rows
from accelsim.errors import AccelsimError

CHUNK = 10  # points per task: small enough that a kill loses little, large enough to amortize


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
            submit, close = dask_executor(dask, workers) if dask else local_executor(workers)
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
            finished, in_flight = wait_any(in_flight)
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
