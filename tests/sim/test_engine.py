"""The simpy engine alone: jobs of chunks, one DMA engine, double buffering, waits."""

from __future__ import annotations

import pytest

from accelsim.sim.engine import Chunk, Job, run

NS = 1e-9


def test_one_chunk_loads_computes_and_stores_in_sequence() -> None:
    timeline = run([Job("a", (Chunk(100 * NS, 50e-9, 30 * NS),))])
    assert timeline.latency_s == pytest.approx(180e-9)
    assert timeline.dma_busy_s == pytest.approx(130e-9) and timeline.compute_busy_s == pytest.approx(50e-9)
    span = timeline.layers["a"]
    assert (span.start, span.end) == pytest.approx((0.0, 180e-9))


def test_double_buffering_overlaps_the_next_load_with_compute() -> None:
    chunk = Chunk(100 * NS, 100e-9, 0)
    overlapped = run([Job("a", (chunk,) * 4)]).latency_s
    # load 1, then each compute hides the next load: 100 + 4 x 100 ns, not 8 x 100 ns
    assert overlapped == pytest.approx(500e-9)


def test_a_job_waits_for_the_stores_it_reads() -> None:
    producer = Job("p", (Chunk(0, 10e-9, 200 * NS),))
    free = run([producer, Job("c", (Chunk(0, 10e-9, 0),))])
    waiting = run([producer, Job("c", (Chunk(50 * NS, 10e-9, 0),), waits_for=("p",))])
    assert free.layers["c"].start == pytest.approx(10e-9)  # right after p computes
    assert waiting.layers["c"].end == pytest.approx(10e-9 + 200e-9 + 50e-9 + 10e-9)


def test_loads_and_stores_share_one_dma_engine() -> None:
    jobs = [Job("a", (Chunk(0, 0, 100 * NS),)), Job("b", (Chunk(100 * NS, 0, 0),))]
    timeline = run(jobs)
    dma = sorted((start, end) for engine, _, start, end in timeline.intervals if engine == "dma")
    assert all(earlier[1] <= later[0] + 1e-18 for earlier, later in zip(dma, dma[1:], strict=False))
    assert timeline.latency_s == pytest.approx(200e-9)


def test_faster_transfers_are_never_slower() -> None:
    def jobs(bw: float) -> list[Job]:
        return [Job(f"l{i}", (Chunk(1000 * i / bw, 300e-9, 500 / bw),) * 3) for i in range(1, 6)]

    latencies = [run(jobs(bw)).latency_s for bw in (1e8, 1e9, 1e10, 1e11)]
    assert latencies == sorted(latencies, reverse=True)


def test_a_job_without_loads_still_waits_for_the_stores_it_reads() -> None:
    producer = Job("p", (Chunk(0, 10e-9, 200 * NS),))
    timeline = run([producer, Job("c", (Chunk(0, 10e-9, 0),), waits_for=("p",))])
    assert timeline.layers["c"].start == pytest.approx(210e-9)  # p computes 10 ns, stores 200 ns


def test_one_tile_buffer_serializes_load_and_compute() -> None:
    chunk = Chunk(100 * NS, 100e-9, 0)
    assert run([Job("a", (chunk,) * 4)], tile_buffers=1).latency_s == pytest.approx(800e-9)


def test_chunks_that_wait_for_nothing_share_one_event(monkeypatch: pytest.MonkeyPatch) -> None:
    import simpy

    timeouts = []
    original = simpy.Environment.timeout

    def counted(self: simpy.Environment, delay: float = 0, value: object = None) -> simpy.Timeout:
        timeouts.append(delay)
        return original(self, delay, value)

    monkeypatch.setattr(simpy.Environment, "timeout", counted)
    jobs = [Job(f"l{i}", (Chunk(0, 1e-9 * (i + 1), 0),) * 4) for i in range(50)]
    timeline = run(jobs)
    assert len(timeouts) == 1  # 200 chunks, none of which anyone waits for
    assert len(timeline.intervals) == 200
    assert timeline.latency_s == pytest.approx(sum(4e-9 * (i + 1) for i in range(50)))
