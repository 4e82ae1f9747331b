"""Where sweep chunks run: local worker processes (which end with the sweep that started
them) or a Dask cluster. Either way each worker receives the built networks once, when it
starts (local) or by a broadcast (Dask), and the chunks name them."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, NamedTuple

from accelsim.apps.sweep.evaluate import install_networks
from accelsim.errors import AccelsimError
from accelsim.ir.network import Network

PARENT_CHECK_S = 0.5  # how often a worker checks that the sweep that started it is still alive


class Executor(NamedTuple):
    submit: Callable[..., Any]  # submit(fn, *args) -> a future
    close: Callable[[], None]
    networks: Any  # what chunks pass for the networks: names (local) or the broadcast's future (Dask)


def _start_worker(parent: int, networks: Mapping[str, Network]) -> None:
    """Runs in each local worker as it starts: install the networks, and end the worker when
    the sweep that started it has died (even by SIGKILL, which leaves no chance to clean up),
    instead of waiting for work forever."""
    install_networks(networks)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(PARENT_CHECK_S)
        os._exit(1)

    threading.Thread(target=watch, name="accelsim-parent-watch", daemon=True).start()


def local_executor(workers: int | None, networks: Mapping[str, Network]) -> Executor:
    pool = ProcessPoolExecutor(
        max_workers=workers or os.cpu_count() or 1,
        initializer=_start_worker,
        initargs=(os.getpid(), dict(networks)),
    )
    return Executor(pool.submit, lambda: pool.shutdown(wait=False, cancel_futures=True), list(networks))


def dask_executor(address: str, workers: int | None, networks: Mapping[str, Network]) -> Executor:
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

    shared = client.scatter(dict(networks), broadcast=True)  # each worker holds one copy

    def submit(fn: Callable[..., Any], *args: Any) -> Any:
        return client.submit(fn, *args, pure=False)

    def close() -> None:
        client.close()
        if cluster is not None:
            cluster.close()

    return Executor(submit, close, shared)


def wait_any(futures: set[Any]) -> tuple[set[Any], set[Any]]:
    sample = next(iter(futures))
    if isinstance(sample, Future):
        done, rest = wait(futures, return_when=FIRST_COMPLETED)
        return set(done), set(rest)
    from dask.distributed import wait as dask_wait

    result = dask_wait(list(futures), return_when="FIRST_COMPLETED")
    return set(result.done), set(result.not_done)
