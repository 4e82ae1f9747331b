"""Shape inference, costs and transforms of the network IR, on hand-computed cases."""

from __future__ import annotations

import pytest

from accelsim import AccelsimError, LayerSpec, build_network, load_net
from accelsim.transform.scale import scale_resolution, scale_width


def net(*specs: LayerSpec, shape: tuple[int, ...] = (3, 32, 32)):
    return build_network("t", shape, list(specs))


def S(name: str, op: str, inputs: tuple[str, ...] = (), **attrs):  # noqa: N802
    return LayerSpec(name, op, inputs, attrs)


def test_conv_shapes_params_macs() -> None:
    n = net(S("c", "conv", ("input",), out=16, k=3, stride=2, pad=1))
    c = n.layer("c")
    assert c.output_shape == (16, 16, 16)
    assert c.weight_shape == (16, 3, 3, 3) and c.bias_size == 16
    assert c.params == 16 * 27 + 16
    assert c.macs == 16 * 16 * 16 * 27


def test_grouped_and_depthwise_conv() -> None:
    n = net(
        S("g", "conv", ("input",), out=8, k=3, pad=1, groups=1),
        S("grp", "conv", ("g",), out=16, k=3, pad=1, groups=4, bias=False),
        S("dw", "dwconv", ("grp",), k=3, pad=1, stride=2, bias=False),
    )
    grp, dw = n.layer("grp"), n.layer("dw")
    assert grp.weight_shape == (16, 2, 3, 3) and grp.macs == 16 * 32 * 32 * 2 * 9
    assert dw.attrs["depthwise"] and dw.attrs["groups"] == 16
    assert dw.output_shape == (16, 16, 16) and dw.macs == 16 * 16 * 16 * 9 and dw.params == 144


def test_same_padding_dilation_and_asymmetric_kernel() -> None:
    n = net(
        S("same", "conv", ("input",), out=4, k=3, stride=2, pad="same"),
        S("dil", "conv", ("same",), out=4, k=3, pad=2, dilation=2),
        S("asym", "conv", ("dil",), out=4, k=[5, 1], pad=[2, 0]),
    )
    assert n.layer("same").output_shape == (4, 16, 16)
    assert n.layer("dil").output_shape == (4, 16, 16)
    assert n.layer("asym").weight_shape == (4, 4, 5, 1) and n.layer("asym").output_shape == (4, 16, 16)


def test_pooling_ceil_mode_as_caffe() -> None:
    # 56 -> ceil((56 - 3) / 2) + 1 = 28 in ceil mode (Caffe, SqueezeNet); floor mode gives 27.
    n = net(S("p", "maxpool", ("input",), k=3, stride=2, ceil_mode=True), shape=(1, 56, 56))
    assert n.layer("p").output_shape == (1, 28, 28)
    n = net(S("p", "maxpool", ("input",), k=3, stride=2), shape=(1, 56, 56))
    assert n.layer("p").output_shape == (1, 27, 27)
    assert n.layer("p").vector_ops == 27 * 27 * 9


def test_linear_flattens_and_deconv_upsamples() -> None:
    n = net(
        S("up", "deconv", ("input",), out=2, k=2, stride=2, bias=False),
        S("fc", "linear", ("up",), out=10),
    )
    up = n.layer("up")
    assert up.output_shape == (2, 64, 64)
    assert up.weight_shape == (3, 2, 2, 2) and up.macs == 3 * 32 * 32 * 2 * 4
    assert n.layer("fc").weight_shape == (10, 2 * 64 * 64) and n.layer("fc").params == 10 * 8192 + 10


def test_concat_add_shuffle_and_broadcast_mul() -> None:
    n = net(
        S("a", "conv", ("input",), out=6, k=1),
        S("b", "conv", ("input",), out=6, k=1),
        S("cat", "concat", ("a", "b")),
        S("sh", "shuffle", ("cat",), groups=3),
        S("sum", "add", ("a", "b")),
        S("se", "gap", ("sum",)),
        S("scale", "mul", ("sum", "se")),
    )
    assert n.layer("cat").output_shape == (12, 32, 32)
    assert n.layer("sh").output_shape == (12, 32, 32)
    assert n.layer("sum").vector_ops == 6 * 32 * 32
    assert n.layer("scale").output_shape == (6, 32, 32)


def test_batchnorm_folds_into_conv() -> None:
    specs = [
        S("c", "conv", ("input",), out=8, k=3, bias=False),
        S("bn", "bn", ("c",)),
        S("r", "relu", ("bn",)),
    ]
    folded = build_network("t", (3, 8, 8), specs)
    assert [layer.name for layer in folded.layers] == ["c", "r"]
    assert folded.layer("c").bias_size == 8 and folded.layer("r").inputs == ("c",)
    kept = build_network("t", (3, 8, 8), specs, fold_bn=False)
    assert kept.layer("bn").params == 16 and kept.params == 8 * 27 + 16


def test_shape_errors_name_the_layer_and_shapes() -> None:
    with pytest.raises(AccelsimError, match=r"layer 'cat'.*\(4, 32, 32\).*\(4, 16, 16\)"):
        net(
            S("a", "conv", ("input",), out=4, k=1),
            S("b", "conv", ("input",), out=4, k=1, stride=2),
            S("cat", "concat", ("a", "b")),
        )
    with pytest.raises(AccelsimError, match="layer 'g': groups=2 must divide input channels 3"):
        net(S("g", "conv", ("input",), out=4, k=1, groups=2))
    with pytest.raises(AccelsimError, match=r"layer 'sum'.*\(4, 32, 32\) and \(2, 32, 32\)"):
        net(
            S("a", "conv", ("input",), out=4, k=1),
            S("b", "conv", ("input",), out=2, k=1),
            S("sum", "add", ("a", "b")),
        )
    with pytest.raises(AccelsimError, match="kernel 64x64 .dilated. is larger than the padded input 32x32"):
        net(S("big", "conv", ("input",), out=4, k=64))


def test_graph_errors() -> None:
    with pytest.raises(AccelsimError, match="unknown layer 'cnv'.*did you mean 'conv'"):
        net(S("conv", "conv", ("input",), out=4, k=1), S("r", "relu", ("cnv",)))
    with pytest.raises(AccelsimError, match="cycle"):
        net(S("a", "relu", ("b",)), S("b", "relu", ("a",)))
    with pytest.raises(AccelsimError, match="unknown op 'convv'.*did you mean 'conv'"):
        net(S("a", "convv", ("input",)))


def test_graph_is_a_dag_in_topological_order() -> None:
    n = load_net("googlenet")
    seen = {"input"}
    for layer in n.layers:
        assert set(layer.inputs) <= seen
        seen.add(layer.name)
    assert n.graph.number_of_nodes() == len(n.layers) + 1


def test_width_multiplier_scales_hidden_channels_only() -> None:
    base = load_net("mobilenet_v1")
    half = scale_width(base, 0.5)
    assert half.layer("conv1").output_shape == (16, 112, 112)
    assert half.layer("fc").output_shape == (1000,)  # the classifier keeps its classes
    assert half.input_shape == (3, 224, 224)
    # params of separable layers scale ~ alpha^2
    assert 0.2 < half.params / base.params < 0.35


def test_resolution_reinfers_shapes() -> None:
    n = scale_resolution(load_net("mobilenet_v1"), 160)
    assert n.layer("conv1").output_shape == (32, 80, 80)
    assert n.layer("conv10/pw").output_shape == (1024, 5, 5)
    with pytest.raises(AccelsimError, match="resolution 16 does not suit alexnet"):
        scale_resolution(load_net("alexnet"), 16)


def test_weight_and_activation_sizes() -> None:
    n = load_net("squeezenet")
    assert n.weight_bytes(8) == n.params
    assert n.weight_bytes(32) == 4 * n.params


def test_output_layers_keep_their_width() -> None:
    from accelsim.transform.scale import output_layers

    assert output_layers(load_net("squeezenet").specs) == {"conv10"}  # conv10 -> relu -> gap -> softmax
    assert output_layers(load_net("resnet50").specs) == {"fc1000"}


@pytest.mark.parametrize("op", ["pad", "flatten", "slice", "eltwise"])
def test_an_explicit_shape_needs_dimensions(op: str) -> None:
    """A shape of no dimensions is refused where it is written (hypothesis found a `pad` with
    `shape: []` reaching a BatchNorm, which indexed its channel count)."""
    attrs = {"shape": [], **({"fn": "erf"} if op == "eltwise" else {})}
    with pytest.raises(AccelsimError, match=r"layer 'l0'.*shape"):
        net(LayerSpec("l0", op, ("input",), attrs), LayerSpec("l1", "bn", ("l0",)), shape=(1, 1, 1))
