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
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from accelsim.api import load_net
from accelsim.apps.sweep.evaluate import evaluate_chunk
from accelsim.apps.sweep.executors import Executor, dask_executor, local_executor, wait_any
from accelsim.apps.sweep.spec import SweepSpec, iter_points, point_count
from accelsim.apps.sweep.store import done_pairs, open_db, row_count, write_rows
from accelsim.errors import AccelsimError, whole
from accelsim.limits import MAX_POINTS, MAX_SWEEP_WORKERS

MIN_CHUNK, MAX_CHUNK = 10, 200  # points per task: a kill loses little, a task amortizes its overhead


def chunk_size(count: int) -> int:
    """About 64 tasks in all, within MIN_CHUNK..MAX_CHUNK points each."""
    return max(MIN_CHUNK, min(MAX_CHUNK, count // 64))


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
    A spec of more than `max_points` (default MAX_POINTS) points is refused before anything runs.
    Points are made, sent and stored chunk by chunk: memory does not grow with the points."""
    if workers is not None:
        whole(workers, "workers", 1, MAX_SWEEP_WORKERS)
    count, limit = point_count(spec), max_points or MAX_POINTS
    if count > limit:
        raise AccelsimError(
            f"the sweep has {count:,} points, more than the limit of {limit:,}; "
            "expected fewer points, or raise the limit with --max-points"
        )
    total_rows = count * len(spec.networks)
    existed = out.exists()
    db = open_db(out, spec, base, count)
    try:
        before = row_count(db)
        if on_progress:
            on_progress(before, total_rows)
        if existed and before and not resume:
            if before >= total_rows:
                return {"total": total_rows, "before": before, "added": 0}
            raise AccelsimError(
                f"{out} holds {before} of {total_rows} rows of this sweep; add --resume to continue"
            )
        added = 0
        if before < total_rows:
            networks = {name: load_net(name) for name in spec.networks}
            executor = dask_executor(dask, workers, networks) if dask else local_executor(workers, networks)
            try:
                chunks = _pending(spec, db, chunk_size(count))
                added = _drain(
                    executor, chunks, spec, base, db, lambda n: on_progress and on_progress(n, total_rows)
                )
            except BrokenProcessPool:  # a worker was killed (by a user, or the kernel out of memory)
                raise AccelsimError(
                    f"{out}: a worker process died before finishing its points; the rows stored before "
                    "are intact: continue with --resume"
                ) from None
            except sqlite3.Error as exc:  # disk full, read-only, I/O error: stored chunks are whole
                raise AccelsimError(
                    f"{out}: cannot store results ({exc}); the rows stored before are intact: "
                    "make room and continue with --resume"
                ) from None
            finally:
                executor.close()
        return {"total": total_rows, "before": before, "added": added}
    finally:
        db.close()


def _pending(
    spec: SweepSpec, db: sqlite3.Connection, size: int
) -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """Chunks of the points that still lack a row for some network, made as they are needed."""
    numbered = enumerate(iter_points(spec))
    while chunk := list(itertools.islice(numbered, size)):
        done = done_pairs(db, chunk[0][0], chunk[-1][0])
        todo = [(i, p) for i, p in chunk if any((i, n) not in done for n in spec.networks)]
        if todo:
            yield todo


def _drain(
    executor: Executor,
    chunks: Iterator[Any],
    spec: SweepSpec,
    base: Mapping[str, Any],
    db: sqlite3.Connection,
    on_rows: Callable[[int], Any],
) -> int:
    """Keep the workers busy, write each finished chunk, stop cleanly on Ctrl-C."""
    submit = executor.submit
    args = (dict(base),)
    tail = (executor.networks, spec.mode, spec.batch)
    in_flight: set[Any] = set()
    added = 0
    window = 4 * (os.cpu_count() or 1)
    try:
        for chunk in itertools.islice(chunks, window):
            in_flight.add(submit(evaluate_chunk, *args, chunk, *tail))
        while in_flight:
            finished, in_flight = wait_any(in_flight)
            for future in finished:
                rows = future.result()
                added += write_rows(db, rows, list(spec.axes))
                on_rows(len(rows))
                nxt = next(chunks, None)
                if nxt is not None:
                    in_flight.add(submit(evaluate_chunk, *args, nxt, *tail))
    except KeyboardInterrupt:
        for future in in_flight:
            future.cancel()
        raise
    return added


def sweep(
    spec: str | Path,
    out: str | Path = "sweep.db",
    resume: bool = False,
    workers: int | None = None,
    max_points: int | None = None,
    dask: str | None = None,
) -> Any:
    """Run the sweep spec file `spec` into the SQLite file `out` (`accelsim sweep`), and return
    every row as a pandas DataFrame (`frame.attrs["axes"]` names the swept fields); a finished
    sweep is read back, an interrupted one continues with `resume=True`."""
    from accelsim.apps.sweep.spec import load_sweep
    from accelsim.apps.sweep.store import read_results

    loaded, base = load_sweep(spec, max_points)
    run_sweep(loaded, base, Path(out), resume, dask, workers, max_points=max_points)
    return read_results(Path(out))
