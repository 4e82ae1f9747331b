"""compare and sweep: tables, SQLite results, resume after SIGKILL, Dask, Pareto fronts."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from accelsim import AccelsimError
from accelsim.account.result import SUMMARY_FIELDS
from accelsim.api import variant
from accelsim.apps.compare import compare, compare_chips, fairness_notes
from accelsim.apps.sweep import SweepSpec, load_sweep, pareto_front, points, read_results, run_sweep
from tests.cli_runner import run_main

ROOT = Path(__file__).resolve().parents[2]

SPEC = """\
base: 2W_npu
networks: [squeezenet, mobilenet_v1]
axes:
  memory.sram.capacity: ["512 KiB", "2 MiB", "8 MiB"]
  compute.rows: [16, 32]
"""


def write_spec(tmp_path: Path, text: str = SPEC) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def rows_of(db: Path) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return sorted(con.execute("SELECT point_id, network, status, energy_j, latency_s FROM results"))


def test_compare_api_and_cli() -> None:
    frame = compare(["2W_npu", "big_sram"], ["squeezenet", "alexnet"])
    assert tuple(frame.columns) == SUMMARY_FIELDS  # the sweep's columns come from the same list
    assert isinstance(frame, pd.DataFrame) and len(frame) == 4
    fits = frame.set_index(["hardware", "network"])["weights_fit_on_chip"]
    assert fits["big_sram", "alexnet"] and not fits["2W_npu", "alexnet"]
    out = run_main("compare", "--hw", "2W_npu.yaml,edge_tpu_like", "--net", "squeezenet", "-n", "alexnet")
    assert out.returncode == 0, out.stderr
    for title in (
        "weights fit on chip",
        "latency",
        "energy per inference",
        "dynamic energy per inference",
        "static energy per inference",
        "average power",
        "memory share",
        "DRAM share",
    ):
        assert title in out.stdout
    assert "*" in out.stdout  # the best chip of each row is marked
    data = json.loads(run_main("compare", "--hw", "2W_npu", "--net", "squeezenet", "--json").stdout)
    row = data["rows"][0]
    assert row["network"] == "squeezenet" and "energy_dram_j" in row
    static = row["energy_static_j"] + row["energy_memory_leakage_j"]
    assert row["energy_dynamic_j"] + static == pytest.approx(row["energy_j"])
    assert data["notes"] == []  # one chip: nothing to qualify
    stray = run_main("compare", "--hw", "2W_npu", "big_sram", "--net", "squeezenet")
    assert stray.returncode == 2 and "'big_sram' follows no option" in stray.stderr
    bad = run_main("compare", "--hw", "2W_npu", "--net", "squeezenett")
    assert bad.returncode == 2 and "did you mean 'squeezenet'" in bad.stderr


def test_compare_every_bundled_chip_or_a_folder_with_fairness_notes(tmp_path: Path) -> None:

    every = compare_chips(["all"])
    assert [c.name for c in every] == [c.name for c in compare_chips([str(ROOT / "hw_configs")])]
    assert {"2W_npu", "eyeriss", "mcu_npu", "edge_llm_npu"} <= {c.name for c in every}
    notes = fairness_notes(compare_chips(["2W_npu", "eyeriss"]))
    assert any("precision differs" in n and "eyeriss int16/int16" in n for n in notes)
    assert any("technology node differs" in n and "eyeriss 65 nm" in n for n in notes)
    assert not any("static_power" in n for n in notes)  # both chips' static power is derived
    unpowered = variant("2W_npu", {"static_power": 0, "name": "no_static"})
    assert any(
        n.startswith("no_static's config sets static_power to 0 W")
        for n in fairness_notes(compare_chips([unpowered, "eyeriss"]))
    )
    assert fairness_notes(compare_chips(["2W_npu", "2W_npu"])) == []  # the same chip once
    frame = compare(["2W_npu", "eyeriss"], ["squeezenet"])
    assert frame.attrs["notes"] == notes
    (tmp_path / "notes.txt").write_text("not a chip")
    with pytest.raises(AccelsimError, match="no chip YAML files"):
        compare_chips([str(tmp_path)])


def test_axes_and_sampling(tmp_path: Path) -> None:
    spec = SweepSpec.model_validate(
        {
            "base": "2W_npu",
            "networks": ["squeezenet"],
            "axes": {
                "compute.rows": {"range": [8, 64], "step": 8},
                "memory.sram.capacity": {"log": ["256 KiB", "16 MiB"], "points": 7},
            },
        }
    )
    assert spec.axes["compute.rows"] == [8, 16, 24, 32, 40, 48, 56, 64]
    assert (
        spec.axes["memory.sram.capacity"][0] == 256 * 1024
        and spec.axes["memory.sram.capacity"][-1] == 16 * 2**20
    )
    assert len(points(spec)) == 56
    lhs = spec.model_copy(update={"sample": {"method": "lhs", "n": 8, "seed": 3}})
    lhs = SweepSpec.model_validate({**spec.model_dump(), "sample": {"method": "lhs", "n": 8, "seed": 3}})
    chosen = points(lhs)
    assert len(chosen) == 8 and sorted(p["compute.rows"] for p in chosen) == spec.axes["compute.rows"]
    assert points(lhs) == chosen  # deterministic for a seed
    rnd = SweepSpec.model_validate({**spec.model_dump(), "sample": {"method": "random", "n": 5}})
    assert len(points(rnd)) == 5


def test_local_and_dask_agree_and_rerun_is_noop(tmp_path: Path) -> None:
    spec, base = load_sweep(write_spec(tmp_path))
    local = tmp_path / "local.db"
    counts = run_sweep(spec, base, local, workers=2)
    assert counts == {"total": 12, "before": 0, "added": 12}
    distributed = tmp_path / "dask.db"
    run_sweep(spec, base, distributed, dask="local", workers=2)
    assert rows_of(local) == rows_of(distributed)
    assert run_sweep(spec, base, local) == {"total": 12, "before": 12, "added": 0}  # finished: no-op
    out = run_main("sweep", str(write_spec(tmp_path)), "--out", str(local))
    assert out.returncode == 0 and "nothing to do" in out.stdout


def test_invalid_points_are_recorded(tmp_path: Path) -> None:
    text = SPEC.replace('["512 KiB", "2 MiB", "8 MiB"]', '["512 KiB", "-1 MiB", "25 GHz"]')
    spec, base = load_sweep(write_spec(tmp_path, text))
    db = tmp_path / "r.db"
    run_sweep(spec, base, db, workers=1)
    frame = read_results(db)
    assert len(frame) == 12
    invalid = frame[frame["status"] == "invalid"]
    assert len(invalid) == 8 and invalid["error"].str.contains("memory.sram.capacity").all()
    assert (frame[frame["status"] == "ok"]["energy_j"] > 0).all()


def test_sigkill_then_resume_leaves_no_gaps_or_duplicates(tmp_path: Path) -> None:
    text = """\
base: 2W_npu
networks: [mobilenet_v1]
axes:
  memory.sram.capacity: {log: ["256 KiB", "8 MiB"], points: 6}
  compute.rows: {range: [8, 64], step: 4}
  compute.cols: [16, 32, 64]
"""
    spec_path = write_spec(tmp_path, text)
    db = tmp_path / "r.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "accelsim", "sweep", str(spec_path), "--out", str(db), "--workers", "2"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.time() + 60
    count = 0
    while time.time() < deadline and count < 20:
        time.sleep(0.2)
        if db.exists():
            try:
                with sqlite3.connect(db) as con:
                    count = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
            except sqlite3.OperationalError:
                count = 0
    os.killpg(proc.pid, signal.SIGKILL)  # the sweep and its workers, mid-run
    proc.wait()
    spec, base = load_sweep(spec_path)
    total = len(points(spec))
    with sqlite3.connect(db) as con:
        partial = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
    assert 0 < partial < total, partial
    with pytest.raises(AccelsimError, match="add --resume"):
        run_sweep(spec, base, db)
    counts = run_sweep(spec, base, db, resume=True, workers=2)
    assert counts["before"] == partial and counts["added"] == total - partial
    with sqlite3.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT point_id FROM results ORDER BY point_id")]
    assert ids == list(range(total))  # every point once: no gaps, no duplicates


def test_different_spec_is_refused(tmp_path: Path) -> None:
    spec, base = load_sweep(write_spec(tmp_path))
    db = tmp_path / "r.db"
    run_sweep(spec, base, db, workers=1)
    other, base2 = load_sweep(write_spec(tmp_path, SPEC.replace("rows: [16, 32]", "rows: [16, 64]")))
    with pytest.raises(AccelsimError, match="holds a different sweep"):
        run_sweep(other, base2, db)


def test_pareto_front_by_hand() -> None:
    frame = pd.DataFrame(
        {
            "network": ["n"] * 5,
            "status": ["ok"] * 4 + ["invalid"],
            "point_id": range(5),
            "energy_j": [1.0, 2.0, 3.0, 2.5, 0.1],
            "latency_s": [3.0, 2.0, 1.0, 2.5, 0.1],
            "onchip_bytes": [1, 1, 1, 0.5, 1],
        }
    )
    assert list(pareto_front(frame, ["energy_j", "latency_s"])["point_id"]) == [0, 1, 2]  # 3 is beaten by 1
    assert sorted(pareto_front(frame, ["energy_j", "latency_s", "onchip_bytes"])["point_id"]) == [0, 1, 2, 3]


def test_sweep_show_exports(tmp_path: Path) -> None:
    spec, base = load_sweep(write_spec(tmp_path))
    db = tmp_path / "r.db"
    run_sweep(spec, base, db, workers=1)
    out = run_main(
        "sweep", "show", str(db), "--csv", str(tmp_path / "r.csv"), "--parquet", str(tmp_path / "r.pq")
    )
    assert out.returncode == 0 and "Pareto front" in out.stdout, out.stderr
    assert len(pd.read_csv(tmp_path / "r.csv")) == 12 and len(pd.read_parquet(tmp_path / "r.pq")) == 12
    data = json.loads(run_main("sweep", "show", str(db), "--json", "--onchip").stdout)
    assert data["rows"] == 12 and data["pareto"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("base: 2W_npu\nnetworks: [squeezenet]\naxes: {compute.rows: []}\n", "non-empty list"),
        (
            "base: 2W_npu\nnetworks: [squeezenet]\naxes: {compute.rows: [8]}\nsampel: {}\n",
            "did you mean 'sample'",
        ),
        ("base: 2W_npx\nnetworks: [squeezenet]\naxes: {compute.rows: [8]}\n", "did you mean '2W_npu'"),
        ("base: 2W_npu\nnetworks: [squeezenat]\naxes: {compute.rows: [8]}\n", "did you mean 'squeezenet'"),
    ],
)
def test_bad_sweep_specs(tmp_path: Path, text: str, message: str) -> None:
    out = run_main("sweep", str(write_spec(tmp_path, text)), "--out", str(tmp_path / "r.db"))
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr
    assert not (tmp_path / "r.db").exists()


def test_dask_worker_dying_mid_sweep_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    import threading

    from dask.distributed import LocalCluster

    text = SPEC.replace("rows: [16, 32]", "rows: [8, 12, 16, 24, 32, 48, 64]\n  compute.cols: [16, 32, 64]")
    spec, base = load_sweep(write_spec(tmp_path, text))
    db = tmp_path / "r.db"
    # No dask Client of the test's own: the sweep's is the only one in this process (two
    # clients in one process can trip over each other's event loops).
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        killed = threading.Event()
        victim = next(iter(cluster.workers.values())).process.pid  # a worker process, via its nanny

        def kill_a_worker() -> None:
            deadline = time.time() + 60
            while time.time() < deadline:
                time.sleep(0.05)
                try:
                    with sqlite3.connect(db) as con:
                        if con.execute("SELECT COUNT(*) FROM results").fetchone()[0] > 0:
                            break
                except sqlite3.OperationalError:
                    continue
            os.kill(victim, signal.SIGKILL)  # a worker process dies mid-sweep; its nanny restarts it
            killed.set()

        thread = threading.Thread(target=kill_a_worker)
        thread.start()
        counts = run_sweep(spec, base, db, dask=cluster.scheduler_address)
        thread.join()
    assert killed.is_set()
    total = len(points(spec)) * 2
    assert counts["added"] == total
    with sqlite3.connect(db) as con:
        pairs = con.execute("SELECT point_id, network FROM results").fetchall()
    assert len(pairs) == len(set(pairs)) == total


def _children(pid: int) -> set[int]:
    """Live processes whose parent is `pid` (from /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_sigkill_of_the_sweep_leaves_no_orphan_workers(tmp_path: Path) -> None:
    text = SPEC.replace('["512 KiB", "2 MiB", "8 MiB"]', '{log: ["256 KiB", "8 MiB"], points: 40}')
    spec_path = write_spec(tmp_path, text)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "accelsim",
            "sweep",
            str(spec_path),
            "--out",
            str(tmp_path / "r.db"),
            "--workers",
            "2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    workers: set[int] = set()
    while time.time() < deadline and len(workers) < 2:
        time.sleep(0.1)
        workers = _children(proc.pid)
    assert len(workers) >= 2, "the sweep never started its workers"
    proc.send_signal(signal.SIGKILL)  # the sweep alone, as the OOM killer would; not its group
    proc.wait()
    deadline = time.time() + 20
    while time.time() < deadline and any(_alive(w) for w in workers):
        time.sleep(0.1)
    survivors = [w for w in workers if _alive(w)]
    for pid in survivors:
        os.kill(pid, signal.SIGKILL)
    assert not survivors, f"workers outlived the sweep: {survivors}"


def test_disk_full_is_one_clear_error_and_resume_completes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own 'database or disk is full' (a page limit stands in for a full disk)."""
    text = SPEC.replace('["512 KiB", "2 MiB", "8 MiB"]', '{log: ["256 KiB", "8 MiB"], points: 60}')
    spec, base = load_sweep(write_spec(tmp_path, text))
    db = tmp_path / "r.db"
    connect = sqlite3.connect

    def small_disk(*args: object, **kwargs: object) -> sqlite3.Connection:
        con = connect(*args, **kwargs)  # type: ignore[arg-type]
        con.execute("PRAGMA max_page_count = 8")
        return con

    monkeypatch.setattr(sqlite3, "connect", small_disk)
    outcome = run_main("sweep", str(tmp_path / "spec.yaml"), "--out", str(db), "--workers", "1")
    monkeypatch.undo()
    assert outcome.returncode == 2, outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1 and "database or disk is full" in lines[0] and "--resume" in lines[0], lines
    with sqlite3.connect(db) as con:
        stored = con.execute("SELECT COUNT(*) FROM results").fetchone()[0]
        rows = con.execute("SELECT point_id, network, status FROM results").fetchall()
    total = len(points(spec)) * len(spec.networks)
    assert 0 < stored < total and all(status == "ok" for _, _, status in rows)
    counts = run_sweep(spec, base, db, resume=True, workers=1)
    assert counts["before"] == stored and counts["added"] == total - stored


def test_workers_receive_the_networks_once_and_chunks_name_them(tmp_path: Path) -> None:
    from accelsim.api import load_net, simulate
    from accelsim.apps.sweep.evaluate import evaluate_chunk
    from accelsim.apps.sweep.executors import local_executor

    # a workload file removed once the worker has started: chunks must not need it
    net_file = tmp_path / "tiny.yaml"
    net_file.write_text(
        "name: tiny\ninput: [3, 32, 32]\nlayers:\n"
        "  - {name: c1, op: conv, out: 16, k: 3, pad: 1}\n"
        "  - {name: fc, op: linear, out: 10}\n"
    )
    network = load_net(str(net_file))
    submit, close, names = local_executor(1, {"tiny": network})
    try:
        net_file.unlink()
        point: dict = {}  # the base chip itself
        rows = submit(evaluate_chunk, _base(), [(0, point)], names, "steady", 1).result()
    finally:
        close()
    assert names == ["tiny"] and rows[0]["status"] == "ok", rows
    assert rows[0]["energy_j"] == pytest.approx(simulate(network, "2W_npu").energy_j)


def _base() -> dict:
    from accelsim.load.resources import resolve
    from accelsim.load.yamlio import load_yaml_mapping

    return dict(load_yaml_mapping(resolve("2W_npu", "hw_configs", "hardware config")))


def test_points_are_made_lazily() -> None:
    from accelsim.apps.sweep.spec import iter_points

    huge = SweepSpec.model_validate(
        {
            "base": "2W_npu",
            "networks": ["squeezenet"],
            "axes": {"compute.rows": list(range(8, 1008))}
            | {
                "compute.cols": list(range(8, 1008)),
                "memory.sram.capacity": list(range(1 << 16, 1 << 26, 1 << 16)),
            },
        },
        context={"max_points": 10**10},  # counted, not made: the limit is raised for this test
    )
    first = next(iter_points(huge))  # 10^9 points: only the first is made
    assert first == {"compute.rows": 8, "compute.cols": 8, "memory.sram.capacity": 1 << 16}
    for method in ("grid", "random", "lhs"):
        spec = SweepSpec.model_validate(
            {
                "base": "2W_npu",
                "networks": ["squeezenet"],
                "sample": {"method": method, "n": 7, "seed": 3},
                "axes": {"compute.rows": [8, 16, 32], "compute.cols": [16, 32]},
            }
        )
        assert list(iter_points(spec)) == points(spec)


def test_sweep_on_a_dask_cluster_started_from_the_command_line(tmp_path: Path) -> None:
    """`dask scheduler` + two `dask worker`s on 127.0.0.1, 400 points: the rows are those of
    the local run."""
    text = """\
base: 2W_npu
networks: [squeezenet]
axes:
  memory.sram.capacity: {log: ["128 KiB", "32 MiB"], points: 8}
  compute.rows: [8, 16, 32, 64, 128]
  compute.cols: [8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096]
"""
    spec_path = write_spec(tmp_path, text)
    dask_cli = Path(sys.executable).with_name("dask")
    scheduler_file = tmp_path / "scheduler.json"
    common = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    scheduler = subprocess.Popen(
        [
            str(dask_cli),
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--no-dashboard",
            "--scheduler-file",
            str(scheduler_file),
        ],
        **common,
    )
    workers = []
    try:
        deadline = time.time() + 60
        address = None
        while address is None and time.time() < deadline:  # the file may exist before it is whole
            try:
                address = json.loads(scheduler_file.read_text())["address"]
            except (OSError, ValueError, KeyError):
                time.sleep(0.1)
        assert address, "the dask scheduler did not start"
        workers = [
            subprocess.Popen(
                [
                    str(dask_cli),
                    "worker",
                    address,
                    "--nthreads",
                    "1",
                    "--nworkers",
                    "1",
                    "--no-dashboard",
                    "--host",
                    "127.0.0.1",
                ],
                **common,
            )
            for _ in range(2)
        ]
        on_cluster = tmp_path / "cluster.db"
        out = run_main("sweep", str(spec_path), "--out", str(on_cluster), "--dask", address)
        assert out.returncode == 0, out.stderr
    finally:
        for proc in (*workers, scheduler):
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in (*workers, scheduler):
            proc.wait(timeout=30)
    spec, base = load_sweep(spec_path)
    local = tmp_path / "local.db"
    run_sweep(spec, base, local, workers=2)
    assert len(rows_of(local)) == 400
    with sqlite3.connect(on_cluster) as a, sqlite3.connect(local) as b:
        query = "SELECT * FROM results ORDER BY point_id, network"
        assert a.execute(query).fetchall() == b.execute(query).fetchall()
