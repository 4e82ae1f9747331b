"""A new user's first hour (issue 28): copy a bundled chip, change it, compare, export. Each
case below once gave a silent wrong answer."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import accelsim
from tests.cli_runner import run_main
from tests.conftest import ROOT

CHIP = (ROOT / "hw_configs" / "2W_npu.yaml").read_text()
NET = (ROOT / "tests" / "fixtures" / "tiny_net.yaml").read_text()


def _copy(tmp_path: Path, name: str, old: str = "capacity: 4 MiB", new: str = "capacity: 16 MiB") -> Path:
    assert old in CHIP
    path = tmp_path / name
    path.write_text(CHIP.replace(old, new, 1))
    return path


def test_a_copied_chip_that_keeps_its_name_gets_its_own_column(tmp_path: Path) -> None:
    big = _copy(tmp_path, "big16.yaml")
    out = run_main("compare", "--hw", f"2W_npu,{big},2W_npu", "--net", "squeezenet", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)["rows"]
    assert [r["hardware"] for r in rows] == ["2W_npu (bundled)", f"2W_npu ({big})"]
    assert rows[0]["energy_j"] != rows[1]["energy_j"]  # a 16 MiB SRAM costs more leakage... or less
    frame = accelsim.compare(["2W_npu", str(big)], ["squeezenet"])
    assert len(frame) == 2 and frame["hardware"].nunique() == 2


def test_the_same_chip_named_twice_is_compared_once(tmp_path: Path) -> None:
    same = _copy(tmp_path, "same.yaml", "capacity: 4 MiB", "capacity: 4 MiB")
    out = run_main("compare", "--hw", f"2W_npu,{same}", "--net", "squeezenet", "--json")
    assert [r["hardware"] for r in json.loads(out.stdout)["rows"]] == ["2W_npu"]


def test_networks_of_one_name_are_shown_apart(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_text(NET.replace("name: tiny", "name: squeezenet"))
    out = run_main("compare", "--hw", "2W_npu", "--net", f"squeezenet,{tmp_path / 'mine.yaml'}", "--json")
    assert out.returncode == 0, out.stderr
    names = [r["network"] for r in json.loads(out.stdout)["rows"]]
    assert names == ["squeezenet (zoo)", f"squeezenet ({tmp_path / 'mine.yaml'})"]


def test_a_local_file_that_shadows_a_bundled_chip_says_so(tmp_path: Path) -> None:
    _copy(tmp_path, "2W_npu.yaml")
    by_name = run_main("run", "--hw", "2W_npu", "--net", "squeezenet", cwd=tmp_path)
    assert by_name.returncode == 0
    assert "'2W_npu' is the bundled hardware config; the local 2W_npu.yaml is not read" in by_name.stderr
    by_file = run_main("run", "--hw", "2W_npu.yaml", "--net", "squeezenet", cwd=tmp_path)
    assert by_file.returncode == 0
    assert "2W_npu.yaml is a local file: it is used, not the bundled hardware config" in by_file.stderr
    assert "16 MiB" in by_file.stdout or "16.8" in by_file.stdout  # the local chip's SRAM was used
    quiet = run_main("run", "--hw", "2W_npu", "--net", "squeezenet", cwd=tmp_path / "..")
    assert "warning" not in quiet.stderr


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "capacity: 4 MiB",
            "capacity: 4",
            r"field 'memory.sram.capacity': a bare 4 is 4 B, implausibly small; give a unit",
        ),
        (
            "clock: 1 GHz",
            "clock: 800",
            r"field 'compute.clock': a bare 800 is 800 Hz, implausibly small; give a unit, like '800 MHz'",
        ),
        (
            "bandwidth: 17 GB/s",
            "bandwidth: 17",
            r"field 'memory.dram.bandwidth': a bare 17 is 17 B/s, implausibly small",
        ),
        (
            "capacity: 4 MiB",
            "capacity: 4,096 KiB",
            r"unknown field 'memory.sram.096 KiB' \(a comma inside a number ends the value",
        ),
        (
            "capacity: 4 MiB",
            "capacity: '4,096 KiB'",
            r"got '4,096 KiB' \(no thousands separators: write 4096, not 4,096\)",
        ),
        (
            "lanes: 64}",
            "lanes: 64}\n  pe: {pitch: 250}",
            r"field 'compute.pe.pitch': a bare 250 is 250 m, implausibly large",
        ),
    ],
    ids=["capacity-bare", "clock-bare", "bandwidth-bare", "comma-flow", "comma-quoted", "pitch-bare"],
)
def test_a_forgotten_unit_is_an_error_naming_the_field(
    old: str, new: str, message: str, tmp_path: Path
) -> None:
    chip = _copy(tmp_path, "c.yaml", old, new)
    out = run_main("run", "--hw", str(chip), "--net", "squeezenet")
    assert out.returncode == 2 and re.search(message, out.stderr), out.stderr


def test_a_bare_number_in_the_plausible_range_is_bytes(tmp_path: Path) -> None:
    chip = _copy(tmp_path, "c.yaml", "capacity: 4 MiB", "capacity: 4194304")
    assert accelsim.load_hw(chip).capacity_for(accelsim.load_hw("2W_npu").buffers[0].holds[0]) == 4 * 2**20


@pytest.mark.parametrize(("written", "meant"), [("4 Mib", "4 MiB"), ("32 Mb", "32 MB"), ("8 Mbit", "8 MB")])
def test_a_capacity_in_bits_warns_with_the_bytes_spelling(written: str, meant: str, tmp_path: Path) -> None:
    chip = _copy(tmp_path, "c.yaml", "capacity: 4 MiB", f"capacity: {written}")
    out = run_main("run", "--hw", str(chip), "--net", "squeezenet")
    assert out.returncode == 0
    assert f"warning: '{written}' is bits" in out.stderr and f"write '{meant}' for bytes" in out.stderr


def test_a_cluster_latency_without_a_unit_is_an_error(tmp_path: Path) -> None:
    text = (ROOT / "clusters" / "ethernet_10g.yaml").read_text().replace("latency: 20 us", "latency: 20")
    (tmp_path / "c.yaml").write_text(text)
    out = run_main("train-scale", "--net", "squeezenet", "--cluster", str(tmp_path / "c.yaml"))
    assert out.returncode == 2 and "a bare 20 is 20 s, implausibly large" in out.stderr, out.stderr


def _byte_counts(data: object, in_bytes: bool = False) -> list[object]:
    if isinstance(data, dict):
        return [x for k, v in data.items() for x in _byte_counts(v, in_bytes or str(k).endswith("bytes"))]
    if isinstance(data, list):
        return [x for v in data for x in _byte_counts(v, in_bytes)]
    return [data] if in_bytes else []


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--hw", "2W_npu", "--net", "squeezenet", "--json", "-"),
        ("run", "--hw", "2W_npu", "--net", "alexnet", "--compress", "deep_compression", "--json", "-"),
        ("run", "--hw", "edge_llm_npu", "--net", "gpt2", "--context", "16", "--tokens", "4", "--json", "-"),
        ("train-scale", "--net", "squeezenet", "--cluster", "titan", "--workers", "1,2", "--json"),
        ("fit", "--hw", "2W_npu", "--net", "mobilenet_v2", "--sram", "--json"),
        ("hw", "show", "2W_npu", "--json"),
    ],
    ids=lambda a: " ".join(a[:5]),
)
def test_json_byte_counts_are_whole_and_flags_are_booleans(args: tuple[str, ...]) -> None:
    out = run_main(*args)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    counts = _byte_counts(data)
    assert counts and all(isinstance(c, int) or c is None for c in counts), counts
    if args[0] == "run" and "--context" not in args:
        assert all(isinstance(data[k], bool) for k in ("weights_fit_on_chip", "working_set_fits_on_chip"))
        assert isinstance(data["layers"][0]["weights_pinned"], bool)


def test_the_api_page_lists_every_public_name() -> None:
    page = (ROOT / "docs" / "api.md").read_text()
    listed = {line.split(".")[-1].strip() for line in page.splitlines() if line.startswith("::: ")}
    assert set(accelsim.__all__) - {"version_line"} == listed


def test_help_starts_with_what_to_call_and_results_read_short() -> None:
    assert accelsim.__doc__ is not None and "accelsim.simulate(" in accelsim.__doc__.split("\n\n")[2]
    result = accelsim.simulate(str(ROOT / "tests" / "fixtures" / "tiny_net.yaml"), "2W_npu")
    assert len(repr(result)) < 300 and repr(result).startswith("Result(tiny on 2W_npu")
    assert "Attributes:" in (accelsim.Result.__doc__ or "") and "latency_s:" in (
        accelsim.Result.__doc__ or ""
    )
    for field in accelsim.LayerResult.__dataclass_fields__:
        assert f"{field}:" in (accelsim.LayerResult.__doc__ or ""), field


def test_fit_and_sweep_are_in_the_api(tmp_path: Path) -> None:
    answer = accelsim.fit("mobilenet_v2", "2W_npu")
    assert answer.best is not None and answer.best.fits
    needed = accelsim.smallest_sram("mobilenet_v2", "2W_npu")
    assert needed.weights_fit_bytes == 3_488_768  # as `fit --sram` prints it
    spec = tmp_path / "s.yaml"
    spec.write_text("base: 2W_npu\nnetworks: [squeezenet]\naxes:\n  memory.sram.capacity: [1 MiB, 2 MiB]\n")
    frame = accelsim.sweep(spec, out=tmp_path / "r.db", workers=1)
    assert len(frame) == 2 and frame.attrs["axes"] == ["memory.sram.capacity"]


def _columns(text: str) -> list[list[str]]:
    """The body cells of every rich table in `text`, column by column."""
    tables: list[list[list[str]]] = []
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip("│").split("│")])
        elif rows:
            tables.append(rows)
            rows = []
    if rows:
        tables.append(rows)
    return [[row[i] for row in table if i < len(row)] for table in tables for i in range(len(table[0]))]


UNIT = re.compile(r"^[\d.,]+\s*([a-zA-Z]+)(?: \*)?$")


@pytest.mark.parametrize(
    "args",
    [
        ("run", "--hw", "2W_npu", "--net", "squeezenet", "--layers"),
        ("compare", "--hw", "2W_npu,eyeriss", "--net", "squeezenet,alexnet"),
        ("compare", "--hw", "2W_npu,eyeriss,big_sram", "--net", "squeezenet"),
        ("trend", "--hw", "2W_npu", "--net", "squeezenet", "--years", "0,5,10"),
        ("train-scale", "--net", "squeezenet", "--cluster", "titan", "--workers", "1,16,256"),
        ("run", "--hw", "edge_llm_npu", "--net", "gpt2", "--context", "64", "--tokens", "8"),
        ("fit", "--hw", "mcu_npu", "--net", "squeezenet"),
        ("info", "--net", "squeezenet"),
        ("nets",),
        ("hw", "list"),
    ],
    ids=lambda a: " ".join(a[:3]),
)
def test_every_table_column_has_one_unit(args: tuple[str, ...]) -> None:
    out = run_main(*args)
    assert out.returncode == 0, out.stderr
    columns = _columns(out.stdout)
    assert columns, out.stdout[:500]
    for cells in columns:
        found = {m.group(1) for cell in cells if (m := UNIT.match(cell))}
        assert len(found) <= 1, (found, cells[:8])


def test_compare_on_one_network_is_one_table_of_chips(tmp_path: Path) -> None:
    out = run_main("compare", "--hw", "2W_npu,eyeriss", "--net", "squeezenet")
    assert out.returncode == 0
    assert out.stdout.count("┏") == 1 and "latency (ms)" in out.stdout
    rows = [line for line in out.stdout.splitlines() if line.startswith("│")]
    assert [row.split("│")[1].strip() for row in rows] == ["2W_npu", "eyeriss"]


@pytest.mark.parametrize(
    "args",
    [
        ("nets",),
        ("info", "--net", "squeezenet"),
        ("hw", "list"),
        ("hw", "show", "2W_npu"),
        ("run", "--hw", "2W_npu", "--net", "squeezenet"),
        ("compare", "--hw", "2W_npu", "--net", "squeezenet"),
        ("fit", "--hw", "2W_npu", "--net", "mobilenet_v2", "--sram"),
        ("compress", "--net", "squeezenet", "--wbits", "4"),
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_json_means_the_same_in_every_command(args: tuple[str, ...], tmp_path: Path) -> None:
    bare = run_main(*args, "--json")
    dash = run_main(*args, "--json", "-")
    assert bare.returncode == dash.returncode == 0, bare.stderr + dash.stderr
    assert json.loads(bare.stdout) == json.loads(dash.stdout)
    if len(args) > 3 and args[-2].startswith("--"):  # a bare --json before another option
        moved = run_main(*args[:-2], "--json", *args[-2:])
        assert moved.returncode == 0 and json.loads(moved.stdout) == json.loads(bare.stdout)
    target = tmp_path / "new" / "answer.json"
    written = run_main(*args, "--json", str(target))
    assert written.returncode == 0 and json.loads(target.read_text()) == json.loads(bare.stdout)
    assert written.stdout.strip() and "JSON written to" in written.stderr  # the console view too


def test_help_shows_flags_as_flags_and_choices_as_choices() -> None:
    out = run_main("run", "--help")
    assert out.returncode == 0
    layers = next(line for line in out.stdout.splitlines() if "--layers" in line)
    assert "<bool>" not in layers
    assert "<steady|cold>" in next(line for line in out.stdout.splitlines() if "--mode" in line)
    assert "[FILE]" in next(line for line in out.stdout.splitlines() if "--json" in line)


def test_sweep_show_is_a_subcommand_with_its_own_options(tmp_path: Path) -> None:
    help_text = run_main("sweep", "show", "--help").stdout
    assert "--csv" in help_text and "--resume" not in help_text
    assert "--resume" in run_main("sweep", "run", "--help").stdout
    spec = tmp_path / "s.yaml"
    spec.write_text("base: 2W_npu\nnetworks: [squeezenet]\naxes:\n  memory.sram.capacity: [1 MiB, 2 MiB]\n")
    assert run_main("sweep", str(spec), "--out", str(tmp_path / "r.db"), "--workers", "1").returncode == 0
    shown = run_main("sweep", "show", str(tmp_path / "r.db"), "--json")
    assert json.loads(shown.stdout)["rows"] == 2


def test_readme_first_run_is_the_real_output() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme.split("## The first run, line by line")[1].split("```\n")[1]
    out = run_main("run", "--hw", "2W_npu.yaml", "--net", "squeezenet")
    assert out.returncode == 0
    shown = "\n".join(line.rstrip() for line in out.stdout.splitlines()) + "\n"
    assert block == shown


def test_figures_of_any_answer(tmp_path: Path) -> None:
    tiny = str(ROOT / "tests" / "fixtures" / "tiny_net.yaml")
    result = accelsim.simulate(tiny, "2W_npu")
    assert len(accelsim.figures(result)) == 5
    assert len(accelsim.figures([result, accelsim.simulate(tiny, "eyeriss")])) == 8
    assert accelsim.figures(accelsim.trend([tiny], "2W_npu", years=[0, 5]))
    assert accelsim.figures(accelsim.train_scale(tiny, "titan", [1, 2], batch=8))
    with pytest.raises(TypeError, match="figures: expected a Result"):
        accelsim.figures("squeezenet")
