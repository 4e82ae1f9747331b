"""ONNX import: zoo networks round-trip, each op maps, bad files give one clear error."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim import AccelsimError, load_net, simulate
from accelsim.load.onnx import load_onnx_weights
from accelsim.load.onnx_model import OnnxWarning
from tests.cli_runner import run_main
from tests.onnx_models import export, single_op, unfolded_zoo


@pytest.mark.parametrize("name", ["squeezenet", "mobilenet_v2"])
def test_zoo_network_round_trips(name: str, tmp_path: Path) -> None:
    imported = load_net(export(unfolded_zoo(name), tmp_path / f"{name}.onnx"))
    zoo = load_net(name)
    assert imported.params == zoo.params and imported.macs == zoo.macs
    assert imported.output_shape == zoo.output_shape
    zoo_macs = {layer.name: layer.macs for layer in zoo.layers if layer.macs}
    imported_macs = {layer.name: layer.macs for layer in imported.layers if layer.macs}
    assert imported_macs == zoo_macs  # layer names come from the ONNX node names
    assert [lyr.kind for lyr in imported.layers].count("bn") == 0  # BatchNorm folded into the convs


def test_onnx_runs_everywhere(tmp_path: Path) -> None:
    path = export(unfolded_zoo("squeezenet"), tmp_path / "model.onnx")
    result = simulate(path, "2W_npu")
    assert result.weights_fit_on_chip and result.network == "model"
    assert simulate(path, "2W_npu", batch=2).batch == 2
    out = run_main("run", "--hw", "2W_npu.yaml", "--net", str(path))
    assert out.returncode == 0 and "model on 2W_npu" in out.stdout, out.stderr
    out = run_main("info", "--net", str(path), "--json")
    assert out.returncode == 0 and '"params": 1248424' in out.stdout


def x4(c: int = 8, h: int = 16, w: int = 16) -> list:
    return ["N", c, h, w]


def w(*shape: int) -> np.ndarray:
    return np.zeros(shape, dtype=np.float32)


def test_conv_variants(tmp_path: Path) -> None:
    net = load_net(
        single_op(
            tmp_path / "c.onnx",
            "Conv",
            x4(),
            {"W": w(16, 8, 3, 3), "B": w(16)},
            strides=[2, 2],
            auto_pad="SAME_UPPER",
        )
    )
    conv = net.layers[0]
    assert conv.name == "the_conv" and conv.output_shape == (16, 8, 8) and conv.params == 16 * 72 + 16
    net = load_net(
        single_op(
            tmp_path / "dw.onnx",
            "Conv",
            x4(),
            {"W": w(8, 1, 3, 3)},
            group=8,
            pads=[1, 1, 1, 1],
            dilations=[1, 1],
        )
    )
    assert net.layers[0].attrs["depthwise"] and net.layers[0].macs == 8 * 16 * 16 * 9
    net = load_net(
        single_op(tmp_path / "t.onnx", "ConvTranspose", x4(), {"W": w(8, 4, 2, 2)}, strides=[2, 2])
    )
    assert net.layers[0].kind == "deconv" and net.layers[0].output_shape == (4, 32, 32)


def test_gemm_and_matmul(tmp_path: Path) -> None:
    net = load_net(single_op(tmp_path / "g.onnx", "Gemm", ["N", 64], {"B": w(10, 64), "C": w(10)}, transB=1))
    assert net.layers[0].kind == "linear" and net.params == 650
    net = load_net(single_op(tmp_path / "m.onnx", "MatMul", ["N", 12, 64], {"B": w(64, 32)}))
    linear = net.layers[0]
    assert linear.output_shape == (12, 32) and linear.macs == 12 * 64 * 32 and linear.params == 2048
    # activation x activation: MACs without weights
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 12, 64])
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], perm=[0, 2, 1], name="t"),
        helper.make_node("MatMul", ["x", "xt"], ["y"], name="scores"),
    ]
    graph = helper.make_graph(
        nodes, "att", [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)]
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "a.onnx")
    net = load_net(tmp_path / "a.onnx")
    scores = net.layer("scores")
    assert scores.kind == "matmul" and scores.macs == 12 * 64 * 12 and scores.params == 0
    assert simulate(net, "2W_npu").energy_j > 0


@pytest.mark.parametrize(
    ("op", "attrs", "inits", "kind", "shape"),
    [
        ("MaxPool", {"kernel_shape": [2, 2], "strides": [2, 2]}, {}, "maxpool", (8, 8, 8)),
        ("AveragePool", {"kernel_shape": [3, 3], "pads": [1, 1, 1, 1]}, {}, "avgpool", (8, 16, 16)),
        ("GlobalAveragePool", {}, {}, "gap", (8, 1, 1)),
        ("Relu", {}, {}, "relu", (8, 16, 16)),
        ("Sigmoid", {}, {}, "sigmoid", (8, 16, 16)),
        ("HardSigmoid", {}, {}, "hsigmoid", (8, 16, 16)),
        ("HardSwish", {}, {}, "hswish", (8, 16, 16)),
        ("Softmax", {"axis": 1}, {}, "softmax", (8, 16, 16)),
        ("Flatten", {}, {}, "flatten", (2048,)),
        ("Transpose", {"perm": [0, 2, 3, 1]}, {}, "flatten", (16, 16, 8)),
        ("ReduceMean", {"axes": [2, 3], "keepdims": 1}, {}, "gap", (8, 1, 1)),
        ("Clip", {}, {"lo": np.float32(0), "hi": np.float32(6)}, "relu6", (8, 16, 16)),
        ("PRelu", {}, {"slope": w(8, 1, 1)}, "prelu", (8, 16, 16)),
        ("BatchNormalization", {}, {"s": w(8), "b": w(8), "m": w(8), "v": w(8)}, "bn", (8, 16, 16)),
        ("Dropout", {}, {}, None, None),
    ],
)
def test_single_op_mapping(
    tmp_path: Path, op: str, attrs: dict, inits: dict, kind: str | None, shape: tuple | None
) -> None:
    path = single_op(tmp_path / f"{op}.onnx", op, x4(), {k: np.asarray(v) for k, v in inits.items()}, **attrs)
    if kind is None:  # a pure no-op leaves nothing to cost
        with pytest.raises(AccelsimError, match="no compute nodes"):
            load_net(path)
        return
    layer = load_net(path).layers[0]
    assert layer.kind == kind and layer.output_shape == shape


def test_reduce_mean_with_axes_input(tmp_path: Path) -> None:
    # opset 18 (torch's exporter): axes come as a constant input, not an attribute
    axes = {"axes": np.array([-1, -2], dtype=np.int64)}
    layer = load_net(single_op(tmp_path / "r.onnx", "ReduceMean", x4(), axes, opset=18, keepdims=1)).layers[0]
    assert layer.kind == "gap" and layer.output_shape == (8, 1, 1)


def test_split_slice_pad_resize_concat(tmp_path: Path) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8, 16, 16])
    split = numpy_helper.from_array(np.array([4, 4], dtype=np.int64), "split")
    starts, ends, axes = (
        numpy_helper.from_array(np.array(v, dtype=np.int64), n)
        for n, v in (("starts", [0]), ("ends", [8]), ("axes", [2]))
    )
    pads = numpy_helper.from_array(np.array([0, 0, 1, 1, 0, 0, 1, 1], dtype=np.int64), "pads")
    scales = numpy_helper.from_array(np.array([1, 1, 2, 1], dtype=np.float32), "scales")
    nodes = [
        helper.make_node("Split", ["x", "split"], ["a", "b"], name="split", axis=1),
        helper.make_node("Slice", ["a", "starts", "ends", "axes"], ["s"], name="slice"),
        helper.make_node("Pad", ["b", "pads"], ["p"], name="pad"),
        helper.make_node("Resize", ["s", "", "scales"], ["r"], name="resize", mode="nearest"),
        helper.make_node("Conv", ["p", "W"], ["c"], name="conv"),
        helper.make_node("Concat", ["c", "r"], ["y"], name="concat", axis=1),
    ]
    graph = helper.make_graph(
        nodes,
        "t",
        [x],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=[split, starts, ends, axes, pads, scales, numpy_helper.from_array(w(4, 4, 3, 3), "W")],
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "m.onnx")
    net = load_net(tmp_path / "m.onnx")
    assert net.layer("split").output_shape == (4, 16, 16) and net.layer("split").kind == "slice"
    assert net.layer("slice").output_shape == (4, 8, 16)
    assert net.layer("pad").output_shape == (4, 18, 18)
    assert net.layer("resize").kind == "upsample" and net.layer("resize").output_shape == (4, 16, 16)
    assert net.layer("conv").output_shape == (4, 16, 16)
    assert net.layer("concat").output_shape == (8, 16, 16)


def test_shape_subgraph_costs_nothing(tmp_path: Path) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 8, 4, 4])
    nodes = [
        helper.make_node("Shape", ["x"], ["shape"], name="shape"),
        helper.make_node("Gather", ["shape", "zero"], ["n"], name="gather", axis=0),
        helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="unsq"),
        helper.make_node("Concat", ["n1", "minus1"], ["target"], name="cat_shape", axis=0),
        helper.make_node("Reshape", ["x", "target"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "W"], ["y"], name="fc", transB=1),
    ]
    inits = [
        numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),
        numpy_helper.from_array(np.array([0], dtype=np.int64), "ax"),
        numpy_helper.from_array(np.array([-1], dtype=np.int64), "minus1"),
        numpy_helper.from_array(w(10, 128), "W"),
    ]
    graph = helper.make_graph(
        nodes, "t", [x], [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=inits
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "s.onnx")
    net = load_net(tmp_path / "s.onnx")
    assert [layer.name for layer in net.layers] == ["reshape", "fc"]
    assert net.params == 1280 and net.layer("fc").macs == 1280


def test_unsupported_ops_warn_once_or_fail_strict(tmp_path: Path) -> None:
    path = single_op(tmp_path / "u.onnx", "LpNormalization", x4(), axis=1)
    with pytest.warns(OnnxWarning, match=r"LpNormalization x1"):
        net = load_net(path)
    assert net.layers[0].kind == "lpnormalization" and net.layers[0].vector_ops == 8 * 16 * 16
    with pytest.raises(AccelsimError, match=r"unsupported ONNX ops \(--strict\): LpNormalization x1"):
        load_net(path, strict=True)


def test_dynamic_dims_need_input_shape(tmp_path: Path) -> None:
    path = single_op(tmp_path / "d.onnx", "Relu", ["N", 3, "H", "W"])
    with pytest.raises(
        AccelsimError, match=r"input 'x' has a symbolic dimension 'H' at axis 2; give --input-shape"
    ):
        load_net(path)
    assert load_net(path, input_shape="1x3x32x48").layers[0].output_shape == (3, 32, 48)
    assert load_net(path, input_shape="3x32x48").input_shape == (3, 32, 48)
    out = run_main("info", "--net", str(path))
    assert out.returncode == 2 and "--input-shape" in out.stderr and "Traceback" not in out.stderr


def test_external_data_and_absent_weights(tmp_path: Path) -> None:
    model = onnx.load(export(unfolded_zoo("squeezenet_v1_1"), tmp_path / "full.onnx"))
    onnx.save(model, tmp_path / "ext.onnx", save_as_external_data=True, location="ext.bin", size_threshold=0)
    assert load_net(tmp_path / "ext.onnx").params == 1_235_496
    (tmp_path / "ext.bin").unlink()  # weights gone: the network never needed them
    (tmp_path / "again.onnx").write_bytes((tmp_path / "ext.onnx").read_bytes())  # not the cached import
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_net(tmp_path / "again.onnx").params == 1_235_496
    with pytest.warns(OnnxWarning, match="external weight files not found"):  # only their values do
        assert load_onnx_weights(tmp_path / "again.onnx") == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty file"), (b"\x08\x07garbage\xff\xff\xff" * 7, "not a valid ONNX model")],
)
def test_bad_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.onnx"
    path.write_bytes(content)
    with pytest.raises(AccelsimError, match=message):
        load_net(path)
    out = run_main("run", "--hw", "2W_npu", "--net", str(path))
    assert out.returncode == 2 and message in out.stderr and "Traceback" not in out.stderr


def test_truncated_cyclic_and_absurd(tmp_path: Path) -> None:
    good = export(unfolded_zoo("squeezenet_v1_1"), tmp_path / "good.onnx").read_bytes()
    (tmp_path / "cut.onnx").write_bytes(good[: len(good) // 3])
    with pytest.raises(AccelsimError, match="bad.onnx|cut.onnx"):
        load_net(tmp_path / "cut.onnx")
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4, 8, 8])
    nodes = [
        helper.make_node("Add", ["x", "b"], ["a"], name="first"),
        helper.make_node("Relu", ["a"], ["b"], name="second"),
    ]
    graph = helper.make_graph(
        nodes, "cyc", [x], [helper.make_tensor_value_info("b", TensorProto.FLOAT, None)]
    )
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), tmp_path / "cyc.onnx")
    with pytest.raises(AccelsimError, match="cycle|no earlier node|shape inference"):
        load_net(tmp_path / "cyc.onnx")
    huge = single_op(tmp_path / "huge.onnx", "Relu", [1, 1000, 1_000_000, 1000])
    with pytest.raises(AccelsimError, match="elements"):
        load_net(huge)


def test_no_warnings_for_clean_models(tmp_path: Path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_net(export(unfolded_zoo("mobilenet_v2"), tmp_path / "m.onnx"))


def test_width_and_resolution_on_an_imported_model(tmp_path: Path) -> None:
    path = export(unfolded_zoo("mobilenet_v2"), tmp_path / "m.onnx")
    imported = load_net(path)
    assert imported.layer("block2_1/dw").kind == "dwconv" and imported.layer("block2_1/dw").attrs["depthwise"]
    half = load_net(path, width=0.5)
    zoo_half = load_net("mobilenet_v2", width=0.5)
    assert half.macs == zoo_half.macs and half.params == zoo_half.params  # same transform as the zoo's
    assert half.output_shape == (1000,)  # the classifier keeps its classes
    assert load_net(path, resolution=160).macs == load_net("mobilenet_v2", resolution=160).macs


def test_an_unchanged_file_is_imported_once(tmp_path: Path) -> None:
    path = export(unfolded_zoo("squeezenet"), tmp_path / "s.onnx")
    first = load_net(path)
    assert load_net(path) is first  # the same network, not a second import
    assert load_net(path, input_shape="1x3x227x227") is not first  # other options: imported again
    export(unfolded_zoo("mobilenet_v1"), path)  # the file changes: read again
    assert load_net(path).params != first.params


def test_shape_arithmetic_of_an_exported_channel_split_folds(tmp_path: Path) -> None:
    """The pattern torchvision's ShuffleNet v2 exports: the channel count read at run time
    (Shape -> Gather -> Div) sizes two Slices; a flatten's target shape is computed the same way
    (Shape -> Gather -> Unsqueeze -> Concat -> Reshape). onnx's shape inference alone leaves
    the slices without a shape; folded, the import is exact."""

    def const(name: str, value: object) -> onnx.TensorProto:
        return numpy_helper.from_array(np.array(value, dtype=np.int64), name)

    rng = np.random.default_rng(0)
    weights = [
        numpy_helper.from_array(rng.normal(size=s).astype(np.float32), n)
        for n, s in (("w1", (24, 24, 1, 1)), ("b1", (24,)), ("w2", (12, 12, 1, 1)), ("b2", (12,)))
    ]
    weights += [
        numpy_helper.from_array(rng.normal(size=(10, 24 * 16 * 16)).astype(np.float32), "wf"),
        numpy_helper.from_array(np.zeros(10, np.float32), "bf"),
    ]
    consts = [
        const("one", [1]),
        const("zero", [0]),
        const("two", 2),
        const("big", [2**62]),
        const("minus1", [-1]),
    ]
    nodes = [
        helper.make_node("Conv", ["x", "w1", "b1"], ["c1"], name="conv1"),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("Shape", ["r1"], ["s"]),
        helper.make_node("Gather", ["s", "one"], ["channels"], axis=0),
        helper.make_node("Div", ["channels", "two"], ["half"]),
        helper.make_node("Slice", ["r1", "zero", "half", "one"], ["left"], name="left_half"),
        helper.make_node("Slice", ["r1", "half", "big", "one"], ["right"], name="right_half"),
        helper.make_node("Conv", ["right", "w2", "b2"], ["c2"], name="conv2"),
        helper.make_node("Concat", ["left", "c2"], ["joined"], name="join", axis=1),
        helper.make_node("Shape", ["joined"], ["js"]),
        helper.make_node("Gather", ["js", "zero"], ["n"], axis=0),
        helper.make_node("Concat", ["n", "minus1"], ["flat_shape"], axis=0),
        helper.make_node("Reshape", ["joined", "flat_shape"], ["flat"], name="flatten"),
        helper.make_node("Gemm", ["flat", "wf", "bf"], ["y"], name="fc", transB=1),
    ]
    graph = helper.make_graph(
        nodes,
        "split",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 24, 16, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
        initializer=weights + consts,
    )
    path = tmp_path / "shufflenet_pattern.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    net = load_net(path)
    assert net.layer("left_half").output_shape == (12, 16, 16)
    assert net.layer("right_half").output_shape == (12, 16, 16)
    assert net.layer("join").output_shape == (24, 16, 16)
    assert net.params == (24 * 24 + 24) + (12 * 12 + 12) + (6144 * 10 + 10)
    assert net.macs == 24 * 24 * 256 + 12 * 12 * 256 + 6144 * 10


@pytest.mark.parametrize("op", ["Add", "Mul", "Sub"])
def test_arithmetic_with_a_constant_imports(tmp_path: Path, op: str) -> None:
    """x (op) constant that is not a linear layer's bias: one vector op per element, named apart
    from the two-input op (an attribute check once rejected `fn: Mul`, and the import with it)."""
    path = single_op(tmp_path / "m.onnx", op, [1, 3, 8, 8], inits={"s": np.ones((1, 3, 1, 1), np.float32)})
    layer = load_net(str(path), strict=True).layers[0]
    assert (layer.kind, layer.vector_ops) == (f"{op.lower()}_const", 3 * 8 * 8)
