"""The simulator: the seed talk's story in figures, energy bookkeeping, residency, modes."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from accelsim import AccelsimError, load_hw, load_net, simulate
from accelsim.account.result import COMPONENTS
from tests.cli_runner import run_main
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def story() -> dict[tuple[str, str], object]:
    runs = [
        ("squeezenet", "2W_npu"),
        ("alexnet", "2W_npu"),
        ("vgg16", "2W_npu"),
        ("mobilenet_v1", "2W_npu"),
        ("alexnet", "big_sram"),
    ]
    return {(net, hw): simulate(net, hw) for net, hw in runs}


def test_seed_story(story: dict) -> None:
    """Small models fit on chip and spend little on DRAM; big ones do not fit and DRAM
    dominates; a big-SRAM chip makes AlexNet fit and its DRAM share collapse."""
    squeeze = story["squeezenet", "2W_npu"]
    assert squeeze.weights_fit_on_chip and squeeze.dram_share < 0.03
    assert squeeze.dram_bytes["weights"] == 0  # resident: no weight traffic in steady state
    assert squeeze.power_w < squeeze.power_budget_w
    for big in ("alexnet", "vgg16"):
        result = story[big, "2W_npu"]
        assert not result.weights_fit_on_chip
        largest = max(result.energy_breakdown_j, key=result.energy_breakdown_j.get)
        assert largest == "dram" and result.dram_share > 0.4, (big, result.energy_breakdown_j)
    assert story["alexnet", "2W_npu"].dram_share > 0.65
    mobilenet = story["mobilenet_v1", "2W_npu"].dram_share
    assert squeeze.dram_share < mobilenet < story["alexnet", "2W_npu"].dram_share
    on_big = story["alexnet", "big_sram"]
    assert on_big.weights_fit_on_chip and on_big.dram_share < 0.01


@pytest.mark.parametrize(
    ("net", "hw"),
    [
        ("squeezenet", "2W_npu"),
        ("mobilenet_v2", "edge_tpu_like"),
        ("resnet50", "tpu_v1_like"),
        ("enet", "eyeriss"),
        ("googlenet", "nvdla_small"),
        ("shufflenet_v1", "mcu_npu"),
    ],
)
def test_components_sum_to_total(net: str, hw: str) -> None:
    for mode in ("steady", "cold"):
        r = simulate(net, hw, mode=mode)
        assert set(r.energy_breakdown_j) == set(COMPONENTS)
        assert math.isclose(sum(r.energy_breakdown_j.values()), r.energy_j, rel_tol=1e-12)
        dynamic = sum(layer.energy_j for layer in r.layers)
        assert math.isclose(dynamic + r.static_energy_j, r.energy_j, rel_tol=1e-9)
        assert math.isclose(dynamic, r.dynamic_energy_j, rel_tol=1e-9)
        memory = sum(r.energy_breakdown_j[k] for k in ("register_file", "sram", "dram", "flash"))
        leakage = r.energy_breakdown_j["memory_leakage"]
        chip = load_hw(hw)
        levels = sum(lvl.leakage_w for lvl in chip.levels)
        assert leakage == pytest.approx((levels + chip.pe_memory_leakage_w) / r.fps)
        assert r.energy_breakdown_j["static"] == pytest.approx(sum(chip.static_parts_w.values()) / r.fps)
        assert math.isclose(r.memory_share, (memory + leakage) / r.energy_j)
        assert math.isclose(r.dynamic_memory_share, memory / r.dynamic_energy_j)
        assert math.isclose(sum(r.energy_by_tensor_j.values()), memory, rel_tol=1e-9)
        assert r.energy_breakdown_j["mac"] == pytest.approx(load_net(net).macs * load_hw(hw).mac_j)


def test_cold_costs_more_than_steady_and_loads_every_weight_once() -> None:
    steady, cold = simulate("squeezenet", "2W_npu"), simulate("squeezenet", "2W_npu", mode="cold")
    assert cold.energy_j > steady.energy_j and cold.latency_s >= steady.latency_s
    assert cold.dram_bytes["weights"] == pytest.approx(load_net("squeezenet").params)  # int8
    big_steady, big_cold = simulate("alexnet", "2W_npu"), simulate("alexnet", "2W_npu", mode="cold")
    assert big_cold.dram_bytes["weights"] >= big_steady.dram_bytes["weights"]
    assert big_cold.dram_bytes["weights"] >= 0.999 * big_steady.weight_bytes


def test_residency_pins_highest_reuse_first() -> None:
    r = simulate("alexnet", "2W_npu")
    pinned = {layer.name for layer in r.layers if layer.weights_pinned}
    assert "conv1" in pinned and "fc6" not in pinned  # conv1: ~3000 MACs per weight; fc6: 1
    assert 0 < r.pinned_weight_bytes < r.onchip_bytes
    streamed = r.weight_bytes - r.pinned_weight_bytes
    assert r.dram_bytes["weights"] == pytest.approx(streamed, rel=0.01)


def test_depthwise_utilization_is_poor_on_a_big_array() -> None:
    r = simulate("mobilenet_v1", "2W_npu")
    dw = r.layers[[layer.name for layer in r.layers].index("conv2/dw")]
    pw = r.layers[[layer.name for layer in r.layers].index("conv2/pw")]
    assert dw.utilization < 0.03 and pw.utilization > 0.9
    assert dw.cycles < dw.scalesim_cycles  # packed channels beat one-channel-at-a-time


def test_batch_fps_and_timeline() -> None:
    one, four = simulate("mobilenet_v1", "2W_npu"), simulate("mobilenet_v1", "2W_npu", batch=4)
    assert four.batch == 4 and four.latency_s > one.latency_s
    assert four.dram_bytes["weights"] < one.dram_bytes["weights"]  # streamed once per batch
    slow = simulate("mobilenet_v1", "2W_npu", fps=30)
    assert slow.fps == 30 and slow.power_w < one.power_w
    assert slow.power_w == pytest.approx(slow.energy_j * 30)
    assert slow.static_energy_j == pytest.approx(load_hw("2W_npu").leakage_w / 30)
    starts = [layer.start_s for layer in one.layers]
    assert starts == sorted(starts) and one.layers[-1].end_s <= one.latency_s + 1e-15
    assert one.engine_busy_s["compute"] <= one.latency_s + 1e-12
    with pytest.raises(AccelsimError, match="exceeds what"):
        simulate("mobilenet_v1", "2W_npu", fps=1e6)


def test_bad_arguments() -> None:
    with pytest.raises(AccelsimError, match="mode must be one of steady, cold"):
        simulate("squeezenet", "2W_npu", mode="warm")
    with pytest.raises(AccelsimError, match="batch must be an integer from 1 to 1,048,576, got 0"):
        simulate("squeezenet", "2W_npu", batch=0)


def test_result_exports() -> None:
    r = simulate("squeezenet", "2W_npu")
    data = r.to_dict()
    required = {
        "network",
        "hardware",
        "mode",
        "batch",
        "weight_bytes",
        "onchip_bytes",
        "weights_fit_on_chip",
        "latency_s",
        "throughput_fps",
        "energy_j",
        "power_w",
        "power_budget_w",
        "energy_breakdown_j",
        "memory_share",
        "dram_share",
        "dram_bytes",
        "layers",
    }
    assert required <= set(data)
    components = {"mac", "register_file", "array_bus", "sram", "dram", "flash", "vector", "memory_leakage"}
    assert {*components, "static"} == set(data["energy_breakdown_j"])
    assert {"weights", "activations", "kv_cache"} == set(data["dram_bytes"])
    assert {
        "name",
        "kind",
        "macs",
        "cycles",
        "utilization",
        "start_s",
        "end_s",
        "energy_j",
        "dram_bytes",
    } <= set(data["layers"][0])
    json.dumps(data)  # serializable as is
    import pandas as pd  # a core dependency

    frame = r.to_dataframe()
    assert isinstance(frame, pd.DataFrame) and len(frame) == len(r.layers)


def test_run_cli(tmp_path: Path) -> None:
    out = run_main("run", "--hw", "2W_npu.yaml", "--net", "squeezenet", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    for text in (
        "weights fit on chip: yes",
        "latency",
        "fps",
        "energy",
        "budget",
        "DRAM share",
        "PE registers",
        "array wires",
        "most expensive layers",
    ):
        assert text in out.stdout
    out = run_main("run", "--hw", "2W_npu", "--net", "alexnet", "--layers", "--mode", "cold", cwd=tmp_path)
    assert out.returncode == 0 and "fit on chip: no" in out.stdout and "fc6" in out.stdout
    target = tmp_path / "r.json"
    out = run_main("run", "--hw", "2W_npu", "--net", "mobilenet_v1", "--width", "0.5", "--json", str(target))
    assert out.returncode == 0 and json.loads(target.read_text())["network"] == "mobilenet_v1@w0.5"
    data = json.loads(run_main("run", "--hw", "2W_npu", "--net", "squeezenet", "--json", "-").stdout)
    assert data["weights_fit_on_chip"] is True


def test_run_cli_bad_input(tmp_path: Path) -> None:
    cases = [
        (("run", "--hw", "2W_npux", "--net", "squeezenet"), "did you mean '2W_npu'"),
        (("run", "--hw", "2W_npu", "--net", "squeezenet", "--mode", "hot"), "is not one of 'steady', 'cold'"),
        (("run", "--hw", "2W_npu", "--net", "squeezenet", "--fps", "1e9"), "exceeds what"),
        (
            ("run", "--hw", "2W_npu", "--net", "squeezenet", "--json", str(tmp_path / "f" / "r.json")),
            "Not a directory",
        ),
    ]
    (tmp_path / "f").write_text("a file where a folder is named\n")
    for args, message in cases:
        out = run_main(*args)
        assert out.returncode == 2 and message in out.stderr, (args, out.stderr)
        assert "Traceback" not in out.stderr
    assert not list(tmp_path.rglob("*.json"))


def test_output_folders_a_user_names_are_made(tmp_path: Path) -> None:
    """--json, --report, export-scalesim -o and sweep --out into folders that do not exist yet."""
    out = run_main(
        "run",
        "--hw",
        "2W_npu",
        "--net",
        "squeezenet",
        "--json",
        str(tmp_path / "a" / "b" / "r.json"),
        "--report",
        str(tmp_path / "c" / "r.html"),
    )
    assert out.returncode == 0, out.stderr
    assert json.loads((tmp_path / "a" / "b" / "r.json").read_text())["network"] == "squeezenet"
    assert (tmp_path / "c" / "r.html").is_file()
    out = run_main(
        "export-scalesim", "--net", "squeezenet", "--hw", "2W_npu", "-o", str(tmp_path / "scalesim")
    )
    assert out.returncode == 0 and sorted(p.name for p in (tmp_path / "scalesim").iterdir()) == [
        "2W_npu.cfg",
        "squeezenet.csv",
    ]


def test_readme_story_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    rows = [
        line.split("|")[1:-1]
        for line in readme.splitlines()
        if line.startswith("| ") and line.count("|") == 12 and ("2W_npu" in line or "big_sram" in line)
    ]
    assert len(rows) == 6
    for cells in rows:
        net, hw, weights, fit, working, latency, energy, power, chip_power, dram, memory = (
            c.strip() for c in cells
        )
        r = simulate(net, hw)
        assert fit == ("yes" if r.weights_fit_on_chip else "no")
        assert working == ("yes" if r.working_set_fits_on_chip else "no")
        assert float(weights) == pytest.approx(r.weight_bytes / 2**20, abs=0.01)
        assert float(latency.split()[0]) == pytest.approx(r.latency_s * 1e3, abs=0.01)
        assert float(energy.split()[0].replace(",", "")) == pytest.approx(r.energy_j * 1e6, rel=0.01)
        assert float(power.split()[0]) == pytest.approx(r.power_w, abs=0.01)
        assert float(chip_power.split()[0]) == pytest.approx(r.chip_power_w, abs=0.01)
        assert float(dram.rstrip("%")) == pytest.approx(r.dram_share * 100, abs=0.1)
        assert float(memory.rstrip("%")) == pytest.approx(r.memory_share * 100, abs=0.1)


def test_a_compression_precision_prices_the_chip_at_that_precision() -> None:
    """Activations at a spec's bits are priced as a chip built for them: MACs, wires and the
    vector unit at 16-bit activations cost what they cost on a 16-bit chip (they stayed priced
    at the chip's 8 bits: 533 uJ instead of 690 uJ for SqueezeNet on the 2 W NPU)."""
    from accelsim import variant
    from accelsim.load import resolve_spec

    spec = resolve_spec(None, "squeezenet", None, 16, None)
    compressed = simulate("squeezenet", "2W_npu", compression=spec)
    built = simulate("squeezenet", variant("2W_npu", {"compute.precision.activations": 16}))
    for component in ("mac", "array_bus", "vector", "register_file", "sram", "dram"):
        assert compressed.energy_breakdown_j[component] == pytest.approx(built.energy_breakdown_j[component])
    assert compressed.hardware == "2W_npu"
    assert (
        compressed.energy_breakdown_j["mac"]
        > 2.9 * simulate("squeezenet", "2W_npu").energy_breakdown_j["mac"]
    )


def test_readme_story_prose_is_current() -> None:
    """The figures the story quotes about fitting AlexNet on chip."""
    readme = " ".join((ROOT / "README.md").read_text().split())
    small, big = simulate("alexnet", "2W_npu"), simulate("alexnet", "big_sram")
    big_chip, small_chip = load_hw("big_sram"), load_hw("2W_npu")
    sram = big_chip.buffers[0]
    quoted = (
        f"({small.energy_j * 1e6:,.0f} to {big.energy_j * 1e6:,.0f} uJ)",
        f"({sram.read_j_per_byte * 1e12:.0f} pJ per byte at 14 nm",
        f"4 MiB costs {small_chip.buffers[0].read_j_per_byte * 1e12:.1f} pJ/B",
        f"takes {sram.area_m2 * 1e6:.0f} of the chip's {big_chip.area_m2 * 1e6:.0f} mm²",
        f"(against {small_chip.area_m2 * 1e6:.1f} mm² for the 2 W NPU)",
        f"leaks {sram.leakage_w * 1e3:.0f} mW",
        f"and {big.energy_breakdown_j['static'] / big.energy_j:.0%} of big_sram's energy",
    )
    for text in quoted:
        assert text in readme, text


def test_readme_fusion_figures_are_current() -> None:
    """What fusion saves SqueezeNet on Eyeriss, as the README's "Fusion" paragraph says."""
    from accelsim import variant

    readme = " ".join((ROOT / "README.md").read_text().split())
    runs = [simulate("squeezenet", variant("eyeriss", {"compute.fuse": f})) for f in FUSE_MODES]
    moved = [f"{r.dram_bytes['activations'] / 2**20:.1f} MiB" for r in runs]
    shares = ", ".join(f"{r.dram_share:.0%}" for r in runs)
    assert f"moves {moved[0]} of activations to and from DRAM per inference with no fusion" in readme
    assert (
        f"{moved[1]} with `activation` and {moved[2]} with `activation+pool` (DRAM share {shares})" in readme
    )


FUSE_MODES = ("none", "activation", "activation+pool")


@pytest.mark.parametrize("batch", [2, 4, 8])
def test_resnet50_batches_on_the_2w_npu_cost_no_more_per_image(batch: int) -> None:
    """The outside review's case (issue 31): batch 2 moved 48.2 MB from DRAM and spent 5.67 mJ
    per image, against 25.0 MB and 3.94 mJ at batch 1. Batches of ResNet-50 gain nothing on this
    chip, so the images run one at a time."""
    one, many = simulate("resnet50", "2W_npu"), simulate("resnet50", "2W_npu", batch=batch)
    assert many.group_size == 1 and many.latency_s == pytest.approx(batch * one.latency_s)
    assert many.dram_bytes == pytest.approx(one.dram_bytes) and many.energy_j == pytest.approx(one.energy_j)


def test_a_batch_runs_in_the_group_size_that_is_best() -> None:
    """MobileNet v1 on the 2 W NPU: groups of 2 beat the whole batch of 4 and one at a time;
    AlexNet's FC weights are streamed once per group, so the whole batch is best there."""
    mobilenet = simulate("mobilenet_v1", "2W_npu", batch=4)
    assert mobilenet.group_size == 2
    assert mobilenet.energy_j < simulate("mobilenet_v1", "2W_npu").energy_j
    alexnet = simulate("alexnet", "2W_npu", batch=4)
    assert (
        alexnet.group_size == 4
        and alexnet.dram_bytes["weights"] < 0.3 * simulate("alexnet", "2W_npu").dram_bytes["weights"]
    )
    # cold: the first group loads the weights, the next finds them (README "Batches")
    cold = simulate("mobilenet_v1", "2W_npu", batch=4, mode="cold")
    assert cold.group_size == 2 and cold.mode == "cold"
    first, steady = (
        simulate("mobilenet_v1", "2W_npu", batch=2, mode="cold"),
        simulate("mobilenet_v1", "2W_npu", batch=2),
    )
    assert cold.energy_j == pytest.approx((first.energy_j + steady.energy_j) / 2)
    assert cold.latency_s == pytest.approx(first.latency_s + steady.latency_s)
    # language models run their batch whole
    assert simulate("gpt2", "2W_npu", batch=4, params={"seq": 1, "past": 16}).group_size == 4


def test_readme_batches_prose_is_current() -> None:
    from accelsim import load_hw
    from accelsim.api import load_net
    from accelsim.pipeline import _group
    from accelsim.transform.compress import store

    net, chip = load_net("resnet50"), load_hw("2W_npu")
    whole = _group(net, chip, store(net, chip.weight_bits), "steady", 2, None)  # batch 2 as one group
    one = simulate(net, chip)
    readme = " ".join((ROOT / "README.md").read_text().split())
    moved = [f"{sum(r.dram_bytes.values()) / 1e6:.0f} MB" for r in (whole, one)]
    assert f"{moved[0]} per image at batch 2 against {moved[1]}" in readme


def test_fused_layers_run_beside_their_producer() -> None:
    """A ReLU fused into its conv adds no time while the vector unit keeps up; a vector unit too
    slow for the output path stalls the conv, and the conv's span shows it (issue 31)."""
    from accelsim import variant
    from accelsim.ir import LayerSpec, build_network

    conv = LayerSpec("conv", "conv", ("input",), {"out": 64, "k": 3, "pad": 1})
    relu = LayerSpec("relu", "relu", ("conv",), {})
    alone = build_network("alone", (32, 28, 28), [conv])
    fused = build_network("fused", (32, 28, 28), [conv, relu])
    fast = load_hw("2W_npu")
    assert simulate(fused, fast).latency_s == pytest.approx(simulate(alone, fast).latency_s)
    slow = variant("2W_npu", {"compute.vector.lanes": 1})  # 50,176 ReLUs at one a cycle
    r = simulate(fused, slow)
    conv_span = r.layers[0].end_s - r.layers[0].start_s
    assert conv_span >= 64 * 28 * 28 / slow.clock_hz and r.latency_s > simulate(alone, slow).latency_s
    # the fused layer keeps its vector energy and cycles, and runs over its producer's span
    assert r.layers[1].energy_j > 0 and r.layers[1].cycles > 0
    assert (r.layers[1].start_s, r.layers[1].end_s) == (r.layers[0].start_s, r.layers[0].end_s)
