"""`accelsim train-scale`: the backward pass derived per layer, the three gradient-combining
algorithms, compute on GPUs and on accelsim chips, and bad input as one line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from accelsim import AccelsimError, LayerSpec, build_network, load_net
from accelsim.apps.train_scale import (
    allreduce_s,
    backward_work,
    load_cluster,
    train_scale,
    transfer_s,
)
from tests.cli_runner import run_main


def test_backward_pass_is_derived_per_layer() -> None:
    net = build_network(
        "two",
        (3, 8, 8),
        [
            LayerSpec("pool", "maxpool", ("input",), {"k": 2}),  # nothing before it learns
            LayerSpec("conv", "conv", ("pool",), {"out": 4, "k": 3}),  # first with weights: no dX
            LayerSpec("relu", "relu", ("conv",)),
            LayerSpec("flat", "flatten", ("relu",)),
            LayerSpec("fc", "linear", ("flat",), {"out": 10}),
        ],
    )
    work = {w.name: w for w in backward_work(net)}
    conv, fc = net.layer("conv"), net.layer("fc")
    assert work["pool"].backward_macs == work["pool"].backward_vector_ops == 0
    assert work["conv"].backward_macs == conv.macs  # weight gradient only
    assert work["fc"].backward_macs == 2 * fc.macs  # weight and input gradients
    assert work["relu"].backward_vector_ops == net.layer("relu").vector_ops
    assert work["flat"].backward_activation_bytes == 0  # a view moves nothing
    squeezenet = load_net("squeezenet")
    backward = sum(w.backward_macs for w in backward_work(squeezenet))
    assert backward == 2 * squeezenet.macs - squeezenet.layer("conv1").macs


def test_the_algorithms_scale_as_their_message_counts_say() -> None:
    titan = load_cluster("titan")
    size = 28e6
    assert allreduce_s(size, 1, "reduction_tree", titan) == 0
    tree = [allreduce_s(size, p, "reduction_tree", titan) for p in (2, 4, 16, 128)]
    # 2 ceil(log2 p) whole-gradient steps, each at least the bytes over the link and two copies
    one = size / 6e9 * 3
    for p, seconds in zip((2, 4, 16, 128), tree, strict=True):
        assert seconds == pytest.approx(2 * math.log2(p) * one, rel=0.01)
    server = [allreduce_s(size, p, "parameter_server", titan) for p in (2, 16, 128)]
    # linear in the workers: each more worker sends and receives one more gradient at the server
    assert server[2] - server[1] == pytest.approx(2 * (128 - 16) * size / 6e9, rel=0.001)
    ring = [allreduce_s(size, p, "ring", titan) for p in (16, 128)]
    assert ring[1] < ring[0] * 1.2  # nearly flat: 2 (p - 1) / p of the gradient
    assert transfer_s(0, 1, 8, titan) == pytest.approx(1.5e-6 + 0.1e-6)  # latency and one hop


def test_gpu_compute_matches_caffes_published_rate() -> None:
    """The efficiency in the clusters comes from Caffe's "4 ms/image for learning" AlexNet on a
    K40: the model run on the K40 cluster gives it back."""
    point = train_scale("alexnet", "infiniband_fdr", [1], batch=256).points[0]
    assert point.compute_s / 256 == pytest.approx(4e-3, rel=0.05)


@pytest.mark.parametrize("cluster", ["titan", "infiniband_fdr", "ethernet_10g"])
def test_speedup_invariants(cluster: str) -> None:
    counts = [1, 2, 4, 8, 16, 32, 64, 128, 256]
    plain = train_scale("squeezenet", cluster, counts)
    hidden = train_scale("squeezenet", cluster, counts, overlap=True)
    for a, b in zip(plain.points, hidden.points, strict=True):
        assert a.speedup <= a.workers * (1 + 1e-9) and b.iteration_s <= a.iteration_s * (1 + 1e-9)
        assert a.iteration_s == pytest.approx(a.compute_s + a.exposed_communication_s)
    assert plain.point(1).speedup == 1.0 and plain.point(1).communication_s == 0


def test_a_smaller_network_scales_further() -> None:
    """The talk's claim: fewer weights, less to communicate, more speedup on many workers."""
    small, large = (train_scale(n, "titan", [256]).point(256) for n in ("squeezenet", "alexnet"))
    assert small.speedup > 10 * large.speedup and small.efficiency > 0.25 > large.efficiency


def test_a_chip_can_be_the_worker(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "clusters" / "infiniband_fdr.yaml").read_text()
    gpu = text[text.index("  gpu:") : text.index("interconnect:")]
    path = tmp_path / "npus.yaml"
    path.write_text(text.replace(gpu, "  chip: 2W_npu\n").replace("name: infiniband_fdr", "name: npus"))
    result = train_scale("squeezenet", path, [1, 8], batch=64)
    assert result.cluster == "npus" and 1 < result.point(8).speedup <= 8
    unknown = r"npus.yaml: field 'worker.chip': unknown hardware config '2W_npx' \(did you mean '2W_npu'"
    with pytest.raises(AccelsimError, match=unknown):
        path.write_text(text.replace(gpu, "  chip: 2W_npx\n"))
        load_cluster(path)


def test_cli_table_json_and_report(tmp_path: Path) -> None:
    out = run_main("train-scale", "--net", "nin", "--cluster", "titan", "--workers", "1..16")
    assert out.returncode == 0 and "reduction tree" in out.stdout and "speedup" in out.stdout, out.stderr
    report = tmp_path / "scale.html"
    out = run_main(
        "train-scale",
        "--net",
        "squeezenet",
        "--cluster",
        "titan",
        "--workers",
        "1,64",
        "--algorithm",
        "ring",
        "--algorithm",
        "parameter_server",
        "--json",
        "--report",
        str(report),
    )
    data = json.loads(out.stdout[out.stdout.index("[") :])
    assert [d["algorithm"] for d in data] == ["ring", "parameter_server"]
    assert [p["workers"] for p in data[0]["points"]] == [1, 64] and report.stat().st_size > 10_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--cluster", "titn"), "unknown cluster 'titn'"),
        (("--cluster", "titan", "--workers", "1,x"), "--workers: expected a list like 1,2,4,8"),
        (
            ("--cluster", "titan", "--workers", "1,2048", "--batch", "1024"),
            "gives fewer images than the 2048",
        ),
        (("--cluster", "ethernet_10g", "--workers", "512"), "cluster 'ethernet_10g' has 256"),
        (("--cluster", "titan", "--algorithm", "allreduce"), "unknown algorithm 'allreduce'"),
    ],
)
def test_bad_input_is_one_line(args: tuple[str, ...], message: str) -> None:
    out = run_main("train-scale", "--net", "squeezenet", *args)
    assert out.returncode == 2 and message in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_a_misspelled_cluster_field_names_the_closest(tmp_path: Path) -> None:
    text = (Path(__file__).parents[2] / "clusters" / "titan.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  topology: torus3d", "  topolgy: torus3d"))
    out = run_main("train-scale", "--net", "squeezenet", "--cluster", str(bad))
    assert out.returncode == 2 and "unknown field 'interconnect.topolgy'" in out.stderr, out.stderr
    assert "did you mean 'topology'" in out.stderr


def test_readme_train_scale_table_is_current() -> None:
    """The README's worked example, regenerated."""
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    section = readme.split("On `titan`, batch 1024, reduction tree:")[1]
    rows = [line.split("|")[1:-1] for line in section.split("\n\n")[1].splitlines()[2:]]
    assert len(rows) == 12
    results = {}
    for cells in rows:
        network, gradients, workers, compute, comm, speedup, efficiency = (c.strip() for c in cells)
        if network not in results:
            results[network] = train_scale(network, "titan", [1, 16, 128, 256])
        r = results[network]
        p = r.point(int(workers))
        assert gradients.endswith(" MiB")
        assert float(gradients.split()[0]) == pytest.approx(r.gradient_bytes / 2**20, abs=0.005)
        assert float(compute.split()[0].replace(",", "")) == pytest.approx(p.compute_s * 1e3, abs=0.05)
        exposed = float(comm.split()[0].replace(",", ""))
        assert exposed == pytest.approx(p.exposed_communication_s * 1e3, abs=0.05)
        assert float(speedup.rstrip("x")) == pytest.approx(p.speedup, abs=0.05)
        assert float(efficiency.rstrip("%")) == pytest.approx(100 * p.efficiency, abs=0.5)


def test_gradient_precision_sets_the_bytes_exchanged() -> None:
    fp32, fp16 = (train_scale("squeezenet", "titan", [1, 64], gradient_bits=b) for b in (32, 16))
    assert fp16.gradient_bytes == fp32.gradient_bytes / 2 == load_net("squeezenet").params * 2
    assert fp16.point(64).communication_s < fp32.point(64).communication_s
    with pytest.raises(AccelsimError, match="gradient_bits must be an integer from 1 to 32, got 0"):
        train_scale("squeezenet", "titan", [1, 2], gradient_bits=0)
