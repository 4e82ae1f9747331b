"""The event simulation (simpy): one DMA engine (moving DRAM and flash bytes) and a compute
engine, with double buffering. It knows jobs, chunks and seconds; nothing of convolutions.

Each job (a layer) is a sequence of chunks (tiles, coalesced). A chunk's load (DRAM or flash
-> SRAM) must finish before its compute starts; with two tile buffers, the next chunk loads
while the current one computes. A chunk's store (SRAM -> DRAM) follows its compute and shares
the DMA engine with loads, which serves transfers in the order they were asked for. A job whose
inputs were spilled by earlier jobs waits for their stores.

Few events: simpy schedules one timeout per DMA transfer and one per run of chunks the compute
engine does back to back; what the engines do when one ends (start the next transfer, ask for
the next load, start computing) runs in that timeout's callback. Within one instant the DMA
engine first takes its next transfer, then the loads and stores asked for are queued.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import simpy


@dataclass(frozen=True, slots=True)
class Chunk:
    load_s: float  # the DMA engine's time to bring the chunk's tiles in
    compute_s: float
    store_s: float


@dataclass(frozen=True, slots=True)
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


def run(jobs: Sequence[Job], tile_buffers: int = 2) -> Timeline:
    """Simulate the jobs in order; `tile_buffers` 2 double-buffers (a chunk loads while the one
    before computes), 1 does not."""
    return _Simulation(jobs, tile_buffers).run()


Done = Callable[[], None] | None  # what to do when a transfer has landed


class _Simulation:
    """The two engines' state; every change of it happens in a timeout's callback."""

    def __init__(self, jobs: Sequence[Job], tile_buffers: int) -> None:
        self.env = simpy.Environment()
        self.jobs = jobs
        self.buffers = tile_buffers
        self.chunks = [(k, job, chunk) for k, job in enumerate(jobs) for chunk in job.chunks]
        self.ends_job = [
            i + 1 == len(self.chunks) or self.chunks[i + 1][0] != k for i, (k, _, _) in enumerate(self.chunks)
        ]
        self.loads = [i for i, (_, _, chunk) in enumerate(self.chunks) if chunk.load_s]
        self.load_set = set(self.loads)
        self.awaited = {name for job in jobs for name in job.waits_for}
        self.stored: set[str] = set()  # awaited jobs whose stores have landed
        self.loaded: set[int] = set()  # chunks whose tile is in the buffer
        self.next_load = 0  # index into self.loads
        self.cleared = 0  # jobs before this one have all they wait for
        self.loading = False
        self.computed = 0  # chunks done (their buffers are free again)
        self.computing = False
        self.channel: deque[tuple[str, float, Done]] = deque()  # transfers asked for, in order
        self.transferring = False
        self.intervals: list[tuple[str, str, float, float]] = []

    def run(self) -> Timeline:
        self.ask_for_load()
        self.compute()
        self.env.run()  # until the last store has landed
        intervals = sorted(self.intervals, key=lambda interval: (interval[2], interval[3], interval[0]))
        spans = {job.name: Span() for job in self.jobs}
        busy = {"dma": 0.0, "compute": 0.0}
        for engine, job_name, start, end in intervals:
            busy[engine] += end - start
            spans[job_name].cover(start, end)
        return Timeline(self.env.now, spans, busy["dma"], busy["compute"], intervals)

    def after(self, durations: list[float], engine: str, names: list[str], then: Callable[[], None]) -> None:
        """Run the durations back to back on an engine, noting each; then `then`. One timeout
        for all, when its end lands exactly where the steps would (else one timeout each)."""
        start = self.env.now
        ends, t = [], start
        for duration in durations:
            t += duration
            ends.append(t)
        if len(durations) > 1 and start + (t - start) != t:  # rounding: one timeout each
            first, *rest = durations
            self.after([first], engine, names[:1], lambda: self.after(rest, engine, names[1:], then))
            return

        def finish(_: simpy.Event) -> None:
            begin = start
            for name, end in zip(names, ends, strict=True):
                self.intervals.append((engine, name, begin, end))
                begin = end
            then()

        delay = durations[0] if len(durations) == 1 else t - start  # now + delay == t, exactly
        self.env.timeout(delay).callbacks.append(finish)

    # the DMA engine: the channel's transfers in the order asked for
    def transfer(self, job: str, seconds: float, done: Done) -> None:
        self.channel.append((job, seconds, done))
        if not self.transferring:
            self.serve()

    def serve(self) -> None:
        """Take the next transfers: those no one waits for run back to back with the one after."""
        if not self.channel:
            self.transferring = False
            return
        self.transferring = True
        batch = [self.channel.popleft()]
        while batch[-1][2] is None and self.channel:
            batch.append(self.channel.popleft())
        done = batch[-1][2]

        def landed() -> None:
            self.serve()
            if done is not None:
                done()

        self.after([seconds for _, seconds, _ in batch], "dma", [job for job, _, _ in batch], landed)

    # loads: in order, each once its buffer is free and the stores every job up to its own
    # waits for have landed; one at a time
    def ask_for_load(self) -> None:
        if self.loading or self.next_load == len(self.loads):
            return
        i = self.loads[self.next_load]
        k, job, chunk = self.chunks[i]
        if i - self.buffers >= self.computed or not self.ready(k):
            return
        self.loading = True
        self.next_load += 1
        self.transfer(job.name, chunk.load_s, lambda: self.landed(i))

    def landed(self, i: int) -> None:
        self.loaded.add(i)
        self.loading = False
        self.ask_for_load()
        self.compute()

    def ready(self, k: int) -> bool:
        """The stores that jobs up to the k-th wait for have all landed."""
        while self.cleared <= k and all(name in self.stored for name in self.jobs[self.cleared].waits_for):
            self.cleared += 1
        return self.cleared > k

    # the compute engine: chunks in order; one that waits for nothing runs straight after one
    # that tells no one it finished
    def compute(self) -> None:
        i = self.computed
        if self.computing or i == len(self.chunks):
            return
        k, job, chunk = self.chunks[i]
        if (chunk.load_s and i not in self.loaded) or not all(n in self.stored for n in job.waits_for):
            return
        j = i
        while not self.signals(j) and j + 1 < len(self.chunks) and not self.waits(j + 1):
            j += 1
        self.computing = True
        run = self.chunks[i : j + 1]
        self.after(
            [c.compute_s for _, _, c in run],
            "compute",
            [b.name for _, b, _ in run],
            lambda: self.computed_to(j),
        )

    def waits(self, i: int) -> bool:
        _, job, chunk = self.chunks[i]
        return bool(chunk.load_s) or bool(job.waits_for)

    def signals(self, i: int) -> bool:
        """Someone waits for this chunk's end: a load for its buffer, its store, a later job."""
        _, job, chunk = self.chunks[i]
        return (
            i + self.buffers in self.load_set
            or bool(chunk.store_s)
            or (self.ends_job[i] and job.name in self.awaited)
        )

    def computed_to(self, j: int) -> None:
        self.computing = False
        self.computed = j + 1
        _, job, chunk = self.chunks[j]
        tells = self.ends_job[j] and job.name in self.awaited
        if chunk.store_s:
            self.transfer(job.name, chunk.store_s, (lambda: self.landed_store(job.name)) if tells else None)
        elif tells:
            self.stored.add(job.name)
        self.ask_for_load()
        self.compute()

    def landed_store(self, name: str) -> None:
        self.stored.add(name)
        self.ask_for_load()
        self.compute()
