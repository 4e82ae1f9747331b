"""Where sweep chunks run: local worker processes (which end with the sweep that started
them) or a Dask cluster."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from accelsim.errors import AccelsimError

PARENT_CHECK_S = 0.5  # how often a worker checks that the sweep that started it is still alive


def _exit_with_parent(parent: int) -> None:
    """Runs in each local worker: end the worker when the sweep that started it has died (even
    by SIGKILL, which leaves no chance to clean up), instead of waiting for work forever."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="accelsim-parent-watch", daemon=True).start()


def local_executor(workers: int | None) -> tuple[Callable[..., Future], Callable[[], None]]:
    pool = ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1, initializer=_exit_with_parent, initargs=(os.getpid(),)
    )
    return pool.submit, lambda: pool.shutdown(wait=False, cancel_futures=True)


def dask_executor(address: str, workers: int | None) -> tuple[Callable[..., Any], Callable[[], None]]:
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


def wait_any(futures: set[Any]) -> tuple[set[Any], set[Any]]:
    sample = next(iter(futures))
    if isinstance(sample, Future):
        done, rest = wait(futures, return_when=FIRST_COMPLETED)
        return set(done), set(rest)
    from dask.distributed import wait as dask_wait

    result = dask_wait(list(futures), return_when="FIRST_COMPLETED")
    return set(result.done), set(result.not_done)
