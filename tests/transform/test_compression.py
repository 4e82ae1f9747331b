"""Compression: the seed talk's table, monotonicity, the index overhead by hand, the SqueezeNet
design space, `fit`, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim import AccelsimError, load_hw, load_net, simulate
from accelsim.apps.fit import fit, search
from accelsim.ir import LayerSpec, build_network
from accelsim.load.compression import load_preset, resolve_spec
from accelsim.transform.compress import (
    DEEP_COMPRESSION_HUFFMAN,
    CompressionSpec,
    compress,
    layer_size,
    padding_per_nonzero,
)
from tests.cli_runner import run_main
from tests.conftest import within

ALEXNET_FP32 = 60_965_224 * 4


def rows(published: dict, net: str) -> dict[str, dict]:
    return {r["method"]: r for r in published["compression"]["rows"] if r["net"] == net}


def test_deep_compression_alexnet_and_vgg(published: dict) -> None:
    tol = published["compression"]["tol"]
    alexnet = compress(load_net("alexnet"), load_preset("deep_compression", "alexnet"))
    row = rows(published, "alexnet")["deep_compression"]
    assert within(alexnet.coded / 1e6, row["size_mb"], tol), alexnet.coded
    assert within(alexnet.ratio, row["ratio_vs_alexnet"], tol)
    # the table's per-layer rates for the conv layers (Han et al. Table 4: conv1 20.53%, conv2 9.43%)
    by_name = {x.name: x for x in alexnet.layers}
    assert by_name["conv1"].coded / by_name["conv1"].dense_fp32 == pytest.approx(0.2053, rel=0.05)
    assert by_name["conv2"].coded / by_name["conv2"].dense_fp32 == pytest.approx(0.0943, rel=0.05)
    vgg = compress(load_net("vgg16"), load_preset("deep_compression", "vgg16"))
    row = rows(published, "vgg16")["deep_compression"]
    assert within(vgg.coded / 1e6, row["size_mb"], tol)
    assert within(vgg.ratio, row["ratio_vs_original"], tol)


def test_deep_compression_squeezenet(published: dict) -> None:
    tol = published["compression"]["tol"]
    table = rows(published, "squeezenet")
    eight = compress(load_net("squeezenet"), load_preset("deep_compression", "squeezenet"))
    assert within(eight.coded / 1e6, table["deep_compression_8bit"]["size_mb"], tol)
    assert within(ALEXNET_FP32 / eight.coded, table["deep_compression_8bit"]["ratio_vs_alexnet"], tol)
    # 6 bits: the same 33% density and 4-bit index give 0.53 MB, 13% above the paper's 0.47 MB
    # (the paper gives no per-layer data; no single storage model meets both its 8- and 6-bit
    # sizes: 0.66 / 0.47 = 1.40 while any additive index overhead gives at most 8 / 6 = 1.33).
    six = compress(load_net("squeezenet"), load_preset("deep_compression_6bit", "squeezenet"))
    assert within(six.coded / 1e6, table["deep_compression_6bit"]["size_mb"], 0.15)
    assert six.coded < eight.coded and ALEXNET_FP32 / six.coded > 450  # the talk's "510x" order
    assert within(load_net("squeezenet").weight_bytes(32) / 2**20, table["none"]["size_mb"], tol)  # MiB


def test_relative_index_by_hand() -> None:
    # one 1x1 conv, 100 -> 10 channels, no bias: 1000 weights, 25% kept, 5-bit weights, 4-bit gaps
    net = build_network(
        "t", (100, 1, 1), [LayerSpec("c", "conv", ("input",), {"out": 10, "k": 1, "bias": False})]
    )
    spec = CompressionSpec(weight_bits=5, prune=0.75, index="relative", index_bits=4)
    size = layer_size(net.layers[0], spec, 8)
    q = 0.75**16  # a gap longer than 16 needs a padding zero
    entries = 250 * (1 + q / (1 - q))
    assert padding_per_nonzero(0.25, 4) == pytest.approx(q / (1 - q))
    assert size.quantized == 1000 * 5 / 8
    assert size.pruned == pytest.approx(entries * (5 + 4) / 8)
    assert size.coded == size.pruned  # no Huffman asked
    huff = layer_size(net.layers[0], spec.model_copy(update={"huffman": DEEP_COMPRESSION_HUFFMAN}), 8)
    assert huff.coded == pytest.approx(size.pruned * DEEP_COMPRESSION_HUFFMAN)
    csr = layer_size(net.layers[0], spec.model_copy(update={"index": "csr"}), 8)
    assert csr.pruned == pytest.approx((250 * 5 + 250 * 7 + 11 * 32) / 8)  # ceil(log2 100) = 7
    bitmap = layer_size(net.layers[0], spec.model_copy(update={"index": "bitmap"}), 8)
    assert bitmap.pruned == pytest.approx((250 * 5 + 1000) / 8)


@pytest.mark.parametrize("net", ["squeezenet", "mobilenet_v1", "alexnet"])
def test_fewer_bits_or_more_pruning_never_grow_size_or_traffic(net: str) -> None:
    network = load_net(net)
    previous = None
    for bits, prune in [(8, 0.0), (6, 0.0), (6, 0.5), (4, 0.5), (4, 0.8), (2, 0.9)]:
        spec = CompressionSpec(weight_bits=bits, prune=prune)
        size = compress(network, spec, default_bits=8).coded
        dram = sum(simulate(network, "2W_npu", compression=spec).dram_bytes.values())
        if previous:
            assert size <= previous[0] and dram <= previous[1] * (1 + 1e-9), (bits, prune)
        previous = (size, dram)


def test_compression_makes_alexnet_fit_and_cuts_dram() -> None:
    plain = simulate("alexnet", "edge_tpu_like")
    packed = simulate("alexnet", "edge_tpu_like", compression="deep_compression")
    assert not plain.weights_fit_on_chip and packed.weights_fit_on_chip
    assert packed.compression == "deep_compression"
    assert packed.dram_share < 0.05 < plain.dram_share and packed.energy_j < plain.energy_j / 2


def test_sparse_compute_skips_macs() -> None:
    data = load_hw("2W_npu").config.model_dump()
    data["compute"] = {**data["compute"], "sparse": True}
    from accelsim.hw.resolve import resolve_accelerator
    from accelsim.hw.schema import HwConfig

    sparse_chip = resolve_accelerator(HwConfig.model_validate(data))
    spec = CompressionSpec(prune=0.5)
    dense = simulate("squeezenet", "2W_npu", compression=spec)
    sparse = simulate("squeezenet", sparse_chip, compression=spec)
    assert sparse.energy_breakdown_j["mac"] == pytest.approx(dense.energy_breakdown_j["mac"] / 2, rel=0.02)
    assert sparse.latency_s < dense.latency_s


def test_activation_bits() -> None:
    eight = simulate("mobilenet_v2", "2W_npu")
    four = simulate("mobilenet_v2", "2W_npu", compression=CompressionSpec(activation_bits=4))
    assert four.peak_activation_bytes == pytest.approx(eight.peak_activation_bytes / 2)
    assert four.dram_bytes["activations"] <= eight.dram_bytes["activations"]


def test_squeezenet_design_space() -> None:
    """The SqueezeNet paper's metaparameters (sec. 5, Fig. 3). Model sizes (fp32, MiB as the
    paper's MB): defaults give v1.0 exactly; SR = 0.75 gives 18.5 MiB, where the paper says
    accuracy plateaus with a 19 MB model; SR = 1 gives 24 MiB; pct3x3 from 1% to 99% at
    SR = 0.5 spans 5.6 to 20.3 MiB."""
    assert load_net("squeezenet", params={"sr": 0.125, "pct3x3": 0.5}).params == 1_248_424
    sizes = {
        sr: load_net("squeezenet", params={"sr": sr}).weight_bytes(32) / 2**20 for sr in (0.125, 0.75, 1.0)
    }
    assert sizes[0.125] == pytest.approx(4.8, rel=0.01)
    assert sizes[0.75] == pytest.approx(19, rel=0.03)
    assert sizes[1.0] == pytest.approx(23.95, rel=0.01)
    pct = [
        load_net("squeezenet", params={"sr": 0.5, "pct3x3": p}).weight_bytes(32) / 2**20
        for p in (0.01, 0.5, 0.99)
    ]
    assert pct == pytest.approx([5.64, 12.99, 20.33], rel=0.01)
    fire = load_net("squeezenet", params={"sr": 0.5})
    assert fire.layer("fire9/squeeze1x1").output_shape[0] == 256  # 0.5 x 512
    with pytest.raises(AccelsimError, match="no parameter 'sq' .*did you mean 'sr'"):
        load_net("squeezenet", params={"sq": 1})


def test_fit_search() -> None:
    mcu = load_hw("mcu_npu")
    candidates = search(load_net("squeezenet"), mcu)
    best = next(c for c in candidates if c.fits)
    assert best.knobs_changed >= 1  # SqueezeNet's 2.3 MB of activations cannot fit 256 KiB as is
    # an MCU fits with its weights in flash and its activations in SRAM
    assert mcu.flash is not None and best.weight_bytes <= mcu.flash.capacity_bytes
    assert best.peak_activation_bytes <= mcu.onchip_bytes < best.weight_bytes + best.peak_activation_bytes
    result = fit(load_net("squeezenet"), mcu).result
    assert result is not None and result.weights_fit_in_flash and result.activations_fit_on_chip
    assert result.dram_bytes["weights"] == 0 and result.flash_bytes > 0
    as_is = search(load_net("squeezenet"), load_hw("2W_npu"))[0]
    assert as_is.fits and as_is.knobs_changed == 0


def test_compress_and_fit_cli(tmp_path: Path) -> None:
    out = run_main("compress", "--net", "alexnet", "--preset", "deep_compression", "--link", "10Mbit/s")
    assert out.returncode == 0 and "conv1" in out.stdout and "over-the-air" in out.stdout, out.stderr
    data = json.loads(
        run_main(
            "compress", "--net", "squeezenet", "--preset", "deep_compression", "--json", "--link", "10Mbit/s"
        ).stdout
    )
    assert data["download_s"] == pytest.approx(data["bytes"]["coded"] / 1.25e6)
    out = run_main(
        "run", "--hw", "2W_npu", "--net", "mobilenet_v1", "--wbits", "6", "--abits", "8", "--prune", "0.65"
    )
    assert out.returncode == 0 and "compressed (flags)" in out.stdout
    spec = tmp_path / "spec.yaml"
    spec.write_text("name: mine\nweight_bits: 4\nhuffman: true\nlayers:\n  linear: {weight_bits: 2}\n")
    out = run_main("run", "--hw", "2W_npu", "--net", "alexnet", "--compress", str(spec), "--json", "-")
    assert out.returncode == 0 and json.loads(out.stdout)["compression"] == "mine"
    out = run_main("fit", "--hw", "mcu_npu.yaml", "--net", "squeezenet")
    assert out.returncode == 0 and "Gentlest changes" in out.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--wbits", "0"), "--wbits must be an integer from 1 to 32"),
        (("--wbits", "33"), "--wbits must be an integer from 1 to 32"),
        (("--prune", "1"), "--prune must be a fraction in [0, 1)"),
        (("--prune", "-0.1"), "--prune must be a fraction in [0, 1)"),
        (("--compress", "deep_compresion"), "unknown compression preset 'deep_compresion' (did you mean"),
    ],
)
def test_bad_compression_input(args: tuple[str, ...], message: str) -> None:
    out = run_main("run", "--hw", "2W_npu", "--net", "squeezenet", *args)
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_bad_specs(tmp_path: Path) -> None:
    with pytest.raises(
        AccelsimError, match="has settings for alexnet, squeezenet, vgg16, not for 'resnet50'"
    ):
        resolve_spec("deep_compression", "resnet50")
    bad = tmp_path / "bad.yaml"
    bad.write_text("weight_bits: 4\nlayers:\n  fc99: {prune: 0.5}\n")
    with pytest.raises(
        AccelsimError, match="unknown layer in compression spec .* 'fc99'.*did you mean 'fc8'"
    ):
        simulate("alexnet", "2W_npu", compression=str(bad))
    bad.write_text("weight_bit: 4\n")
    with pytest.raises(AccelsimError, match="field 'weight_bit'"):
        resolve_spec(str(bad), "alexnet")
    bad.write_text("huffman: 1.5\n")
    with pytest.raises(AccelsimError, match="in \\(0, 1\\]"):
        resolve_spec(str(bad), "alexnet")
    out = run_main("compress", "--net", "squeezenet", "--link", "fast", "--wbits", "4")
    assert out.returncode == 2 and "--link: expected a bandwidth" in out.stderr


def test_real_weights_from_onnx_are_measured(tmp_path: Path) -> None:
    from accelsim.load.onnx import load_onnx_weights
    from tests.onnx_models import export, unfolded_zoo

    path = export(unfolded_zoo("squeezenet_v1_1"), tmp_path / "sq.onnx", seed=0)
    weights = load_onnx_weights(path)
    net = load_net(path)
    assert set(weights) == {layer.name for layer in net.layers if layer.kind in ("conv", "dwconv")}
    spec = CompressionSpec(weight_bits=8, prune=0.67, huffman=True)
    measured = compress(net, spec, default_bits=8, weights=weights)
    assumed = compress(net, spec, default_bits=8)
    fixed = compress(net, spec.model_copy(update={"huffman": None}), default_bits=8)
    # Gaussian weights on a linear 8-bit codebook code to ~6.4 bits: smaller than fixed width,
    # and not the assumed factor's figure
    assert measured.coded < fixed.coded and measured.coded != pytest.approx(assumed.coded, rel=0.01)
    spec_file = tmp_path / "h.yaml"
    spec_file.write_text("weight_bits: 8\nprune: 0.67\nhuffman: true\n")
    data = json.loads(run_main("compress", "--net", str(path), "--preset", str(spec_file), "--json").stdout)
    assert data["bytes"]["coded"] == pytest.approx(measured.coded)
    # `run` stores the weights at the same measured size
    out = run_main("run", "--hw", "2W_npu", "--net", str(path), "--compress", str(spec_file), "--json", "-")
    assert json.loads(out.stdout)["weight_bytes"] == pytest.approx(measured.coded)
