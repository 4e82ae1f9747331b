"""Pictures: figure objects built from results (traces, values, axes), self-contained HTML,
rendering in headless Chromium, and the notebook executed headless."""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from accelsim import AccelsimError, simulate, units
from accelsim.apps.sweep import load_sweep, pareto_front, read_results, run_sweep
from accelsim.present.report import (
    compare_figures,
    energy_breakdown,
    layer_energy,
    roofline,
    run_figures,
    run_report,
    sweep_figures,
    timeline,
    weight_fit,
    write_report,
)
from tests.cli_runner import run_main
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def result():
    return simulate("mobilenet_v1", "2W_npu")


def test_energy_breakdown_values(result) -> None:
    trace = energy_breakdown(result).data[0]
    values = dict(zip(trace.ids, trace.values, strict=True))
    assert values["total"] == pytest.approx(result.energy_j)
    for comp, value in result.energy_breakdown_j.items():
        assert values.get(comp, 0.0) == pytest.approx(value)
    assert "flash" not in values  # the chip has none
    for comp in ("register_file", "sram", "dram"):  # tensor kinds add up to their component
        assert values[f"{comp}/weights"] + values[f"{comp}/activations"] == pytest.approx(values[comp])
    assert values["dram/weights"] > 0  # MobileNet v1 streams some weights on this chip


def test_layer_energy_bars(result) -> None:
    fig = layer_energy(result)
    assert [t.name for t in fig.data] == [
        "MACs",
        "PE registers",
        "array wires",
        "SRAM",
        "DRAM",
        "vector unit",
    ]
    assert list(fig.data[0].x) == [layer.name for layer in result.layers]
    unit = fig.layout.yaxis.title.text.split("(")[1].rstrip(")")  # in the unit the largest reads best in
    stacked = [
        units.parse(f"{sum(t.y[i] for t in fig.data)} {unit}", units.ENERGY)
        for i in range(len(result.layers))
    ]
    assert stacked == pytest.approx([layer.energy_j for layer in result.layers])
    assert fig.layout.barmode == "stack"


def test_timeline_gantt(result) -> None:
    fig = timeline(result)
    engines = {t.name: t for t in fig.data}
    assert set(engines) == {"dma", "compute"}
    end = max(b + w for t in fig.data for b, w in zip(t.base, t.x, strict=True))
    assert end == pytest.approx(result.latency_s * 1e6)
    busy = sum(engines["compute"].x) / 1e6
    assert busy == pytest.approx(result.engine_busy_s["compute"])


def test_roofline_and_weight_fit(result) -> None:
    fig = roofline(result)
    line, points = fig.data
    assert max(line.y) == pytest.approx(2 * result.peak_macs_per_s)
    assert len(points.x) == sum(1 for layer in result.layers if layer.engine == "array" and layer.macs)
    assert all(y <= 2 * result.peak_macs_per_s * 1.0001 for y in points.y)  # nothing beats the roof
    assert fig.layout.xaxis.type == "log"
    fit = weight_fit(result)
    assert fit.layout.yaxis.title.text == "weights (MiB)"  # mobilenet_v1's 4.03 MiB, the 4 MiB SRAM
    assert fit.data[0].y[-1] == pytest.approx(result.weight_bytes / 2**20)
    assert fit.layout.shapes[0].y0 == pytest.approx(result.weight_capacity_bytes / 2**20)


def joules_of(fig: Any, trace: Any, i: int) -> float:
    unit = fig.layout.yaxis.title.text.split("(")[1].rstrip(")")
    return units.parse(f"{trace.y[i]} {unit}", units.ENERGY)


def test_compare_and_sweep_figures(tmp_path: Path) -> None:
    results = [simulate(n, hw) for hw in ("2W_npu", "big_sram") for n in ("squeezenet", "alexnet")]
    bars, dynamic, static, scatter, matrix, shares, area, *components = compare_figures(results)
    # area by component, stacked per chip, beside the throughput per mm^2 on each network
    stacked_area = [sum(trace.y[i] for trace in area.data if trace.type == "bar") for i in range(2)]
    assert stacked_area == pytest.approx([results[0].area_mm2, results[2].area_mm2])
    per_mm2 = [trace for trace in area.data if trace.type == "scatter"]
    assert per_mm2[0].y[0] == pytest.approx(results[0].inferences_per_s_per_mm2)
    assert [t.name for t in bars.data] == ["2W_npu", "big_sram"]
    # energies in the unit the largest reads best in, named on the axis
    assert bars.layout.yaxis.title.text == "energy per inference (mJ)"
    assert bars.data[0].y[0] == pytest.approx(results[0].energy_j * 1e3)

    def joules(fig: Any) -> list[float]:  # each figure in its own unit, named in its axis title
        unit = fig.layout.yaxis.title.text.split("(")[1].rstrip(")")
        return [units.parse(f"{v} {unit}", units.ENERGY) for trace in fig.data for v in trace.y]

    both = [a + b for a, b in zip(joules(dynamic), joules(static), strict=True)]
    assert both == pytest.approx(joules(bars))
    assert scatter.layout.xaxis.title.text.startswith("latency (")
    assert matrix.data[0].z == ((1, 1), (0, 1)) or [list(r) for r in matrix.data[0].z] == [[1, 1], [0, 1]]
    # memory and DRAM shares per chip, and where the energy goes, a stacked bar per chip
    assert [t.name for t in shares.data] == [
        "2W_npu: memory share",
        "2W_npu: DRAM share",
        "big_sram: memory share",
        "big_sram: DRAM share",
    ]
    assert shares.data[1].y[1] == pytest.approx(100 * results[1].dram_share)
    assert [c.layout.title.text.split(":")[0] for c in components] == ["squeezenet", "alexnet"]
    stacked = components[1]
    assert stacked.layout.barmode == "stack" and "PE registers" in [t.name for t in stacked.data]
    for i, r in enumerate(results[1::2]):  # alexnet on each chip: the stack is its energy
        assert sum(joules_of(stacked, t, i) for t in stacked.data) == pytest.approx(r.energy_j)
    spec = tmp_path / "s.yaml"
    spec.write_text(
        'base: 2W_npu\nnetworks: [squeezenet]\naxes:\n  memory.sram.capacity: ["1 MiB", "4 MiB"]\n'
        "  compute.rows: [16, 32, 64]\n"
    )
    sweep, base = load_sweep(spec)
    run_sweep(sweep, base, tmp_path / "r.db", workers=1)
    frame = read_results(tmp_path / "r.db")
    capacity, rows, pareto, heat, area = sweep_figures(frame, pareto_front(frame, ["energy_j", "latency_s"]))
    # energy against chip area: every point, and the front of the two
    assert area.layout.xaxis.title.text == "chip area (mm²)" and len(area.data[0].x) == 6
    front = sorted(zip(area.data[1].x, area.data[1].y, strict=True))  # by area: energy never rises
    assert 1 <= len(front) <= 6 and [e for _, e in front] == sorted((e for _, e in front), reverse=True)
    assert capacity.layout.xaxis.title.text == "memory.sram.capacity"  # its ticks carry the unit
    assert "least-energy point over compute.rows" in capacity.layout.title.text
    assert rows.layout.xaxis.title.text == "compute.rows"
    assert len(pareto.data) == 2 and len(heat.data[0].z) == 3 and len(heat.data[0].z[0]) == 2
    assert not any(math.isnan(v) for row in heat.data[0].z for v in row)
    # the capacity axis is stored in bytes and labelled as people read it
    assert tuple(heat.data[0].x) == ("1 MiB", "4 MiB") and tuple(heat.data[0].y) == ("16", "32", "64")
    assert pareto.layout.yaxis.title.text.startswith("energy per inference (")


def test_sweep_axis_figure_marks_where_the_weights_fit(tmp_path: Path) -> None:
    """One capacity axis: energy, latency and both shares against it, a line per network, in
    human units, and a dotted line at the smallest capacity from which each network fits."""
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "base: 2W_npu\nnetworks: [squeezenet, mobilenet_v1]\n"
        "axes:\n  memory.sram.capacity: ['512 KiB', '1 MiB', '2 MiB', '4 MiB', '8 MiB']\n"
    )
    sweep, base = load_sweep(spec)
    run_sweep(sweep, base, tmp_path / "r.db", workers=1)
    frame = read_results(tmp_path / "r.db")
    capacity, _pareto, by_area = sweep_figures(frame, pareto_front(frame, ["energy_j", "latency_s"]))
    # a bigger SRAM makes a bigger chip, and the figure plots every point against its area
    areas = frame[frame["network"] == "squeezenet"].sort_values("memory.sram.capacity")["area_mm2"]
    assert list(areas) == sorted(areas) and len(set(areas)) == 5
    assert sorted(by_area.data[0].x) == sorted(areas)
    assert capacity.layout.xaxis.title.text == "memory.sram.capacity"  # its ticks carry the unit
    assert capacity.layout.xaxis.type == "log" and "least-energy" not in capacity.layout.title.text
    assert capacity.layout.yaxis.title.text.startswith("energy per inference (")
    assert capacity.layout.yaxis3.tickformat.endswith("%")
    lines = {(t.name, t.yaxis): t for t in capacity.data}
    energy = lines["squeezenet", "y"]
    assert list(energy.x) == [0.5, 1, 2, 4, 8]
    unit = capacity.layout.yaxis.title.text.split("(")[1].rstrip(")")
    rows = frame[frame["network"] == "squeezenet"].sort_values("memory.sram.capacity")
    joules = [units.parse(f"{v} {unit}", units.ENERGY) for v in energy.y]
    assert joules == pytest.approx(list(rows["energy_j"]))
    assert list(lines["squeezenet", "y3"].y) == pytest.approx(list(rows["dram_share"]))
    for net in ("squeezenet", "mobilenet_v1"):  # the threshold is where the rows say it is
        mine = frame[frame["network"] == net]
        first = mine[mine["weights_fit_on_chip"]]["memory.sram.capacity"].min()
        assert not mine[mine["memory.sram.capacity"] < first]["weights_fit_on_chip"].any()
        label = f"{net}: weights fit from {units.format_si(first, units.BYTES)}"
        marks = [t for t in capacity.data if t.name == label]
        assert len(marks) == 4 and all(list(t.x) == [first / 2**20] * 2 for t in marks)


def test_html_report_is_self_contained(result, tmp_path: Path) -> None:
    path = tmp_path / "run.html"
    run_report(result, path)
    text = path.read_text()
    assert text.count("<script") >= 5 and "Plotly.newPlot" in text
    assert not re.search(r"<script[^>]*\ssrc=", text)  # no external scripts: works offline
    assert len(text) > 3_000_000  # the plotly.js bundle is inlined
    with pytest.raises(AccelsimError, match=r"expected a .html, .png, .svg or .pdf file, got 'run.jpg'"):
        write_report([], tmp_path / "run.jpg")
    # plotly.js from a CDN, or from one file beside the reports
    write_report(run_figures(result), tmp_path / "cdn.html", plotlyjs="cdn")
    assert re.search(r"<script[^>]*src=\"https://cdn\.plot\.ly/", (tmp_path / "cdn.html").read_text())
    assert (tmp_path / "cdn.html").stat().st_size < 300_000
    write_report(run_figures(result), tmp_path / "beside.html", plotlyjs="directory")
    assert re.search(r'<script[^>]*src="plotly\.min\.js"', (tmp_path / "beside.html").read_text())
    assert (tmp_path / "plotly.min.js").stat().st_size > 3_000_000
    with pytest.raises(AccelsimError, match=r"--plotlyjs: expected one of inline, cdn, directory, got 'cnd'"):
        write_report(run_figures(result), tmp_path / "x.html", plotlyjs="cnd")
    assert not (tmp_path / "x.html").exists()
    out = run_main("run", "--hw", "2W_npu", "--net", "squeezenet", "--report", str(tmp_path / "cli.html"))
    assert out.returncode == 0 and (tmp_path / "cli.html").stat().st_size > 3_000_000


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
# CI installs Chromium (.ci/run) and sets this: there the browser tests must run, not skip.
needs_browser = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("ACCELSIM_REQUIRE_BROWSER"),
    reason="no Chromium on this machine (apt-get install chromium)",
)
HEADLESS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium(page: Path, profile: Path, *action: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "Chromium is required here (ACCELSIM_REQUIRE_BROWSER is set)"
    return subprocess.run(
        [
            CHROMIUM,
            *HEADLESS,
            f"--user-data-dir={profile}",
            "--virtual-time-budget=10000",
            *action,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )


def _report(kind: str, folder: Path) -> tuple[Path, int]:
    """A report of each kind written by the command line, and its number of figures."""
    path = folder / f"{kind}.html"
    if kind == "run":
        args = ("run", "--hw", "2W_npu", "--net", "squeezenet", "--report", str(path))
        figures = 5
    elif kind == "compare":
        args = ("compare", "--hw", "2W_npu,eyeriss", "--net", "squeezenet,alexnet", "--report", str(path))
        figures = 9  # energy, dynamic, static, latency vs energy, fit, shares, area, a stack per network
    else:
        spec = folder / "s.yaml"
        spec.write_text(
            "base: 2W_npu\nnetworks: [squeezenet]\naxes:\n  memory.sram.capacity: ['1 MiB', '4 MiB']\n"
            "  compute.rows: [16, 32]\n"
        )
        assert run_main("sweep", str(spec), "--out", str(folder / "r.db"), "--workers", "1").returncode == 0
        args = ("sweep", "show", str(folder / "r.db"), "--report", str(path))
        figures = len(sweep_figures(*_frame_and_front(folder / "r.db")))
    out = run_main(*args, "--plotlyjs", "directory" if kind == "compare" else "inline")
    assert out.returncode == 0, out.stderr
    return path, figures


def _frame_and_front(db: Path) -> tuple[Any, Any]:
    frame = read_results(db)
    return frame, pareto_front(frame, ["energy_j", "latency_s"])


@needs_browser
@pytest.mark.parametrize("kind", ["run", "compare", "sweep"])
def test_reports_render_in_a_real_browser(kind: str, tmp_path: Path) -> None:
    """Each report kind in headless Chromium: no JavaScript errors, every figure drawn (plotly
    makes a .main-svg per figure), and a screenshot that is not blank. The compare report loads
    plotly.js from the file beside it (--plotlyjs directory)."""
    page, figures = _report(kind, tmp_path)
    shot = tmp_path / "shot.png"
    drawn = _chromium(page, tmp_path / "p1", "--enable-logging=stderr", "--v=0", "--dump-dom")
    console = [line for line in drawn.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert not [line for line in console if "Error" in line or "Uncaught" in line], console
    plots = drawn.stdout.count('class="plot-container plotly"')
    assert plots == figures, (plots, figures)
    assert drawn.stdout.count('class="main-svg"') >= figures
    _chromium(page, tmp_path / "p2", f"--screenshot={shot}", "--window-size=1300,2600")
    assert shot.stat().st_size > 50_000  # charts, not a blank page


def test_notebook_executes_headless() -> None:
    notebook = nbformat.read(ROOT / "notebooks" / "energy_breakdown.ipynb", as_version=4)
    assert all(
        not cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code"
    )  # committed clean
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    ).execute()
    printed = "".join(o.get("text", "") for c in notebook.cells if c.cell_type == "code" for o in c.outputs)
    assert "smallest SRAM where all weights and activations fit" in printed
    assert "ds_cnn_s on mcu_npu: 22.1 KiB of weights, 15.6 KiB of live activations" in printed
    assert "squeezenet reduction_tree   256 GPUs: speedup  86.6x" in printed  # section 6
    shown = "".join(
        o.get("data", {}).get("text/plain", "")
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
    )
    assert "in_dram" in shown  # the trend section's table of memory shares
    assert "activations in SRAM" in shown  # the MCU table of section 5
    # exported to HTML (jupyter nbconvert --to html), every chart is in the page, drawable offline
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter().from_notebook_node(notebook)
    charts = sum(
        1
        for c in notebook.cells
        if c.cell_type == "code"
        for o in c.outputs
        if "application/vnd.plotly.v1+json" in o.get("data", {})
    )
    assert charts >= 5 and page.count('class="plotly-graph-div"') == charts
    assert "Plotly.newPlot" in page and 'src="https://cdn.plot.ly' not in page  # plotly.js inlined
    assert "accelsim.present" not in "".join(c.source for c in notebook.cells)  # public API only


@needs_browser
@pytest.mark.parametrize(
    ("suffix", "magic"), [("png", b"\x89PNG\r\n\x1a\n"), ("svg", b"<svg"), ("pdf", b"%PDF")]
)
def test_static_image_report(result, tmp_path: Path, suffix: str, magic: bytes) -> None:
    path = tmp_path / f"breakdown.{suffix}"
    run_report(result, path)
    assert path.read_bytes().lstrip()[: len(magic)] == magic
    if suffix == "pdf":  # one page per figure
        from pypdf import PdfReader

        assert len(PdfReader(path).pages) == len(run_figures(result)) == 5
    else:  # the first figure at the path, the others numbered beside it
        assert sorted(p.name for p in tmp_path.iterdir()) == [
            f"breakdown{n}.{suffix}" for n in ("-2", "-3", "-4", "-5", "")
        ]


@needs_browser
def test_every_figure_is_exported_at_the_size_asked(tmp_path: Path) -> None:
    """A paper's figures: .png writes each figure (the first at the path, the others numbered
    beside it, each titled with its network and chip), .pdf one page per figure; --figure-size
    and --figure-scale set the pixels."""
    import struct

    args = ("run", "--hw", "2W_npu", "--net", "squeezenet", "--figure-size", "800x600", "--figure-scale", "2")
    out = run_main(*args, "--report", str(tmp_path / "figs" / "run.png"))
    assert out.returncode == 0, out.stderr
    names = sorted(p.name for p in (tmp_path / "figs").iterdir())
    assert names == ["run-2.png", "run-3.png", "run-4.png", "run-5.png", "run.png"]
    width, height = struct.unpack(">II", (tmp_path / "figs" / "run.png").read_bytes()[16:24])
    assert (width, height) == (1600, 1200)
    bad = run_main("run", "--hw", "2W_npu", "--net", "squeezenet", "--figure-size", "800x600")
    assert bad.returncode == 2 and "apply to a .png, .svg or .pdf --report" in bad.stderr


def test_exported_figures_name_their_network_and_chip(result) -> None:
    from accelsim.present.report import run_figures

    assert all(fig.layout.title.text.startswith("mobilenet_v1 on 2W_npu: ") for fig in run_figures(result))


def test_a_log_capacity_axis_is_labelled_at_the_swept_values(tmp_path: Path) -> None:
    from accelsim.apps.sweep import load_sweep, pareto_front, read_results, run_sweep
    from accelsim.present.report import sweep_figures

    spec = tmp_path / "s.yaml"
    spec.write_text(
        "base: 2W_npu\nnetworks: [squeezenet]\naxes:\n"
        "  memory.sram.capacity: {log: [256 KiB, 16 MiB], points: 4}\n"
    )
    run_sweep(*load_sweep(spec), tmp_path / "r.db", workers=1)
    frame = read_results(tmp_path / "r.db")
    axis = sweep_figures(frame, pareto_front(frame, ["energy_j", "latency_s"]))[0]
    assert axis.layout.xaxis.type == "log"
    assert list(axis.layout.xaxis.ticktext) == ["256 KiB", "1 MiB", "4 MiB", "16 MiB"]


def test_the_run_report_states_area_in_binary_units() -> None:
    from accelsim.present.report import run_header

    r = simulate("squeezenet", "2W_npu")
    header = run_header(r)
    assert f"Chip area {r.area_mm2:.3g} mm²" in header and "1.191 MiB of weights" in header
