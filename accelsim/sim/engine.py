"""The event simulation (simpy): a DMA engine on a shared DRAM channel and a compute engine,
with double buffering. It knows jobs, chunks, bytes and seconds; nothing of convolutions.

Each job (a layer) is a sequence of chunks (tiles, coalesced). A chunk's load (DRAM -> SRAM)
must finish before its compute starts; with two tile buffers, the next chunk loads while the
current one computes. A chunk's store (SRAM -> DRAM) follows its compute and shares the DRAM
channel with loads. A job whose inputs were spilled by earlier jobs waits for their stores.
"""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Any

import simpy


@dataclass(frozen=True)
class Chunk:
    load_bytes: float
    compute_s: float
    store_bytes: float


@dataclass(frozen=True)
class Job:
    name: str
    chunks: tuple[Chunk, ...]
    waits_for: tuple[str, ...] = ()  # jobs whose stores must land before this job loads


@dataclass
class Span:
    start: float = float("inf")
    end: float = 0.0

    def cover(self, start: float, end: float) -> None:
        self.start = min(self.start, start)
        self.end = max(self.end, end)


@dataclass
class Timeline:
    """What the simulation measured."""

    latency_s: float
    layers: dict[str, Span]
    dma_busy_s: float
    compute_busy_s: float
    intervals: list[tuple[str, str, float, float]]  # (engine, job, start, end)


def run(jobs: Sequence[Job], dram_bytes_per_s: float, tile_buffers: int = 2) -> Timeline:
    """Simulate the jobs in order; `tile_buffers` 2 double-buffers (a chunk loads while the one
    before computes), 1 does not."""
    env = simpy.Environment()
    dram = simpy.Resource(env, capacity=1)
    buffers = simpy.Container(env, capacity=tile_buffers, init=tile_buffers)
    ready: simpy.Store = simpy.Store(env)
    stored = {job.name: env.event() for job in jobs}
    spans = {job.name: Span() for job in jobs}
    busy = {"dma": 0.0, "compute": 0.0}
    intervals: list[tuple[str, str, float, float]] = []

    def note(engine: str, job: str, start: float, end: float) -> None:
        busy[engine] += end - start
        spans[job].cover(start, end)
        intervals.append((engine, job, start, end))

    def transfer(job: str, nbytes: float) -> Generator[Any, Any, None]:
        with dram.request() as slot:
            yield slot
            start = env.now
            yield env.timeout(nbytes / dram_bytes_per_s)
            note("dma", job, start, env.now)

    def loader() -> Generator[Any, Any, None]:
        for job in jobs:
            for dependency in job.waits_for:
                yield stored[dependency]
            for chunk in job.chunks:
                yield buffers.get(1)
                if chunk.load_bytes:
                    yield env.process(transfer(job.name, chunk.load_bytes))
                yield ready.put((job, chunk))

    def storer(job: Job, pending: list[Any]) -> Generator[Any, Any, None]:
        yield env.all_of(pending)
        stored[job.name].succeed()

    def compute() -> Generator[Any, Any, None]:
        for job in jobs:
            pending = []
            for chunk in job.chunks:
                yield ready.get()
                start = env.now
                if chunk.compute_s:
                    yield env.timeout(chunk.compute_s)
                note("compute", job.name, start, env.now)
                yield buffers.put(1)
                if chunk.store_bytes:
                    pending.append(env.process(transfer(job.name, chunk.store_bytes)))
            env.process(storer(job, pending))

    env.process(loader())
    done = env.process(compute())
    env.run(until=done)
    env.run()  # let the last stores land
    return Timeline(env.now, spans, busy["dma"], busy["compute"], intervals)
