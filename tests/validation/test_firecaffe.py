"""FireCaffe (Iandola, Ashraf, Moskewicz, Keutzer, CVPR 2016) against `accelsim train-scale`.

The setup used, as the paper and its hardware describe it: ORNL Titan, one Tesla K20X per node
on Cray Gemini (`clusters/titan.yaml`: each figure sourced there); a global batch of 1024 for
GoogLeNet and NiN (the paper's large-batch runs) split over the GPUs; gradients combined by a
reduction tree, and a parameter server for comparison. Reported: 47x (GoogLeNet) and 39x
(Network-in-Network) on 128 GPUs; the seed talk adds 145x for FireNet on 256 GPUs. No factor is
tuned per network: every network runs on the same cluster file.
"""

from __future__ import annotations

import pytest

from accelsim.apps.train_scale import train_scale


def speedup(net: str, workers: int, algorithm: str = "reduction_tree") -> float:
    return train_scale(net, "titan", [1, workers], 1024, algorithm).point(workers).speedup


def test_googlenet_on_128_gpus() -> None:
    assert speedup("googlenet", 128) == pytest.approx(47, rel=0.25)


@pytest.mark.xfail(
    strict=True,
    reason="modelled 25.5x, 35% under the paper's 39x: NiN has as many weights as GoogLeNet (7.6 M) "
    "but 0.70x its MACs, so at 8 images per GPU its gradient exchange (213 ms) outlasts its compute "
    "(54 ms) and the model cannot reach 39x with the batch and links GoogLeNet's 47x agrees with; "
    "the paper's NiN batch per GPU and its measured per-GPU times would settle which differs",
)
def test_nin_on_128_gpus() -> None:
    assert speedup("nin", 128) == pytest.approx(39, rel=0.25)


@pytest.mark.parametrize("net", ["googlenet", "nin"])
def test_a_parameter_server_scales_worse_than_a_reduction_tree_beyond_16(net: str) -> None:
    for workers in (32, 64, 128, 256):
        assert speedup(net, workers, "parameter_server") < speedup(net, workers)


@pytest.mark.xfail(
    strict=True,
    reason="FireNet's layers are not published; SqueezeNet v1.0 (the same authors' Fire-module network, "
    "1.25 M weights) stands in, and models 87x on 256 GPUs against the talk's 145x: at 4 images per "
    "GPU its 40 ms of host-staged tree steps outlast its 21 ms of compute",
)
def test_firenet_on_256_gpus() -> None:
    assert speedup("squeezenet", 256) == pytest.approx(145, rel=0.25)
