"""Output never destroys anything: symlinks, FIFOs, devices and directories as --json / --report /
--csv targets, and a reader that stops early (| head)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from accelsim.apps.sweep import load_sweep, run_sweep
from tests.cli_runner import run_main

RUN = ("run", "--hw", "2W_npu", "--net", "squeezenet")


def test_json_through_a_symlink_writes_the_file_it_points_to(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    real.chmod(0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real.name)
    assert run_main(*RUN, "--json", str(link)).returncode == 0
    assert link.is_symlink() and os.readlink(link) == real.name  # the link is still a link
    assert json.loads(real.read_text())["network"] == "squeezenet"
    assert (real.stat().st_mode & 0o777) == 0o640  # and the file keeps its permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real.json"]  # no temporary left


def test_json_into_a_fifo_is_written_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    outcome = run_main(*RUN, "--json", str(fifo))
    reader.join(timeout=30)
    assert outcome.returncode == 0, outcome.stderr
    assert fifo.is_fifo()  # still a FIFO, not a regular file renamed over it
    assert json.loads(received[0])["hardware"] == "2W_npu"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_json_into_a_full_device_is_an_error_and_the_device_survives() -> None:
    before = os.stat("/dev/full")
    outcome = run_main(*RUN, "--json", "/dev/full")
    assert outcome.returncode == 2
    assert "--json: cannot write /dev/full (No space left on device)" in outcome.stderr
    after = os.stat("/dev/full")
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_report_and_json_refuse_a_directory(tmp_path: Path) -> None:
    folder = tmp_path / "out.html"
    folder.mkdir()
    for flag in ("--json", "--report"):
        outcome = run_main(*RUN, flag, str(folder))
        assert outcome.returncode == 2
        assert f"{flag}: {folder} is a directory" in outcome.stderr
    assert list(folder.iterdir()) == []


def test_report_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.html"
    (tmp_path / "r.html").symlink_to(real)  # dangling: the report creates the file it names
    assert run_main(*RUN, "--report", str(tmp_path / "r.html")).returncode == 0
    assert (tmp_path / "r.html").is_symlink() and "<html>" in real.read_text()


def test_sweep_show_exports_go_through_the_same_writer(tmp_path: Path) -> None:
    spec = tmp_path / "s.yaml"
    spec.write_text("base: 2W_npu\nnetworks: [squeezenet]\naxes:\n  memory.sram.capacity: [1 MiB, 2 MiB]\n")
    db = tmp_path / "r.db"
    run_sweep(*load_sweep(spec), db, workers=1)
    outcome = run_main("sweep", "show", str(db), "--csv", str(tmp_path / "made" / "r.csv"))
    assert outcome.returncode == 0 and (tmp_path / "made" / "r.csv").is_file()
    link = tmp_path / "r.csv"
    link.symlink_to(tmp_path / "target.csv")
    assert run_main("sweep", "show", str(db), "--csv", str(link)).returncode == 0
    assert link.is_symlink() and (tmp_path / "target.csv").read_text().startswith("point_id,network")


@pytest.mark.parametrize("args", [(*RUN, "--layers"), ("info", "--net", "vgg16"), ("nets", "--json")])
def test_a_reader_that_stops_early_is_not_an_error(args: tuple[str, ...]) -> None:
    # A pipe whose reader has already gone (as `| head -1` is, once it has its line): every
    # write meets a broken pipe.
    reader = subprocess.Popen([sys.executable, "-c", ""], stdin=subprocess.PIPE)
    reader.wait()
    try:
        sim = subprocess.run(
            [sys.executable, "-m", "accelsim", *args],
            stdout=reader.stdin,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        reader.stdin.close()  # type: ignore[union-attr]
    assert sim.returncode == 0, sim.stderr
    assert sim.stderr == ""
