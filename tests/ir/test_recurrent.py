"""Recurrent layers (issue 17): LSTM and GRU parameters as the frameworks count them, the
published keyword spotters, and the weights read once per step unless they stay on chip."""

from __future__ import annotations

from pathlib import Path

import pytest

from accelsim import AccelsimError, LayerSpec, build_network, load_net, simulate, variant
from accelsim.hw.enums import TensorKind

ROOT = Path(__file__).resolve().parents[2]
FRAMES = 49  # 1 s of audio in 40 ms windows every 20 ms


def rnn(op: str, steps: int = 10, features: int = 40, **attrs: object) -> object:
    return build_network("rnn", (steps, features), [LayerSpec("r", op, ("input",), attrs)]).layers[0]


def test_published_keyword_spotters() -> None:
    # kws_streaming's lstm_peep: TF1 LSTMCell (one bias per gate), peepholes, 500 -> 200
    # projection, then dense 200 -> 12
    lstm = load_net("kws_lstm")
    assert lstm.layer("lstm").params == 4 * 500 * (20 + 200) + 4 * 500 + 3 * 500 + 500 * 200
    assert lstm.params == 545_912  # published "545K"
    assert lstm.layer("lstm").macs == FRAMES * (4 * 500 * (20 + 200) + 500 * 200)
    # crnn: two valid convs (49x20 -> 47x18 -> 43x16, 16 channels), a Keras GRU (reset_after:
    # two biases per gate) over 43 steps of 256 features, dense 128, 256, 12
    crnn = load_net("kws_crnn")
    gru = crnn.layer("gru")
    assert gru.input_shapes[0] == (43, 256) and gru.output_shape == (256,)
    assert gru.params == 3 * 256 * (256 + 256) + 2 * 3 * 256
    assert crnn.params == 467_772  # published "467K"
    assert gru.macs == 43 * 3 * 256 * 512


def test_parameters_follow_each_framework() -> None:
    # PyTorch nn.LSTM(40, 64, bidirectional=True, proj_size=16): per direction weight_ih (256, 40),
    # weight_hh (256, 16), weight_hr (16, 64), two biases of 256
    torch_lstm = rnn("lstm", hidden=64, proj=16, bidirectional=True, recurrent_bias=True)
    assert torch_lstm.params == 2 * (256 * 40 + 256 * 16 + 16 * 64 + 2 * 256)
    assert torch_lstm.output_shape == (10, 32)
    # Keras GRU(64, reset_after=False): kernel (40, 192), recurrent kernel (64, 192), one bias
    keras_gru = rnn("gru", hidden=64, recurrent_bias=False)
    assert keras_gru.params == 40 * 192 + 64 * 192 + 192
    assert keras_gru.output_shape == (10, 64)
    # the last step only
    assert rnn("gru", hidden=64, sequences=False, bidirectional=True).output_shape == (128,)
    # one step of a stream: a vector in, a vector out
    assert rnn("lstm", steps=1, hidden=8).output_shape == (1, 8)


def test_vector_ops_of_the_gate_math() -> None:
    assert rnn("lstm", hidden=64).vector_ops == 10 * 9 * 64
    assert rnn("lstm", hidden=64, peepholes=True).vector_ops == 10 * 15 * 64
    assert rnn("gru", hidden=64, bidirectional=True).vector_ops == 2 * 10 * 8 * 64


@pytest.mark.parametrize(
    ("op", "attrs", "message"),
    [
        ("lstm", {}, "hidden (units per direction) must be a positive integer"),
        ("lstm", {"hidden": 8, "proj": -1}, "proj must be an integer >= 0 (0: no projection)"),
        ("gru", {"hidden": 8, "peepholes": True}, "unknown attribute 'peepholes'; expected"),
        ("lstm", {"hidden": 8, "sequence": False}, "attribute 'sequence' (did you mean 'sequences'?)"),
        ("lstm", {"hidden": 8, "bidirectional": "yes"}, "bidirectional must be true or false"),
    ],
)
def test_bad_recurrent_layers_are_named(op: str, attrs: dict, message: str) -> None:
    with pytest.raises(AccelsimError, match="layer 'r'") as err:
        rnn(op, **attrs)
    assert message in str(err.value)


def test_sequence_input_is_checked() -> None:
    with pytest.raises(AccelsimError, match=r"needs \(steps, features\) or \(features,\) as input"):
        build_network("rnn", (1, 10, 4), [LayerSpec("r", "gru", ("input",), {"hidden": 8})])


def test_weights_stream_every_step_unless_they_stay_on_chip() -> None:
    # Eyeriss' 108 KB buffer holds neither the 1.09 MB of 16-bit weights nor a direction of them
    result = simulate("kws_lstm", "eyeriss")
    stored = load_net("kws_lstm").layer("lstm").params * 2
    assert not result.weights_fit_on_chip
    # (and the classifier's 4.8 KB once)
    assert result.dram_bytes["weights"] == pytest.approx(FRAMES * stored, rel=0.001)
    # a chip that holds them reads none in steady state
    assert simulate("kws_lstm", "2W_npu").dram_bytes["weights"] == 0


def test_a_direction_kept_on_chip_is_read_once() -> None:
    # a bidirectional LSTM whose one direction (247 KB int8) fits the 384 KiB buffer, both do not:
    # each direction stays on chip over its 100 steps, so the weights come from DRAM once
    net = build_network(
        "bilstm", (100, 128), [LayerSpec("r", "lstm", ("input",), {"hidden": 192, "bidirectional": True})]
    )
    chip = variant("2W_npu", {"memory.sram.capacity": "384 KiB"})
    result = simulate(net, chip)
    assert not result.weights_fit_on_chip
    assert result.dram_bytes["weights"] == net.params * chip.weight_bits / 8


def test_a_recurrent_model_that_does_not_fit_is_dram_bound_in_closed_form() -> None:
    # 2W_npu cut to 256 KiB of SRAM and 1 GB/s of DRAM: the LSTM's 543.5 KB of int8 weights
    # stream from DRAM at every one of the 49 frames
    chip = variant("2W_npu", {"memory.sram.capacity": "256 KiB", "memory.dram.bandwidth": "1 GB/s"})
    r = simulate("kws_lstm", chip)
    net = load_net("kws_lstm")
    streamed = FRAMES * net.layer("lstm").params
    assert r.dram_bytes["weights"] == pytest.approx(streamed, rel=0.01)  # the classifier's 2.4 KB too
    dram = chip.level("dram")
    sram = chip.buffer_for(TensorKind.WEIGHTS)
    latency = streamed / dram.bandwidth_bytes_per_s
    closed_form = (
        streamed * (dram.read_j_per_byte + sram.write_j_per_byte + sram.read_j_per_byte)
        + net.macs * chip.mac_j
        + chip.leakage_w * latency
    )
    assert r.latency_s == pytest.approx(latency, rel=0.10)
    assert r.energy_j == pytest.approx(closed_form, rel=0.10)
    # the DRAM's energy and the leakage over the DRAM's time are nearly all of it
    parts = r.energy_breakdown_j
    assert parts["dram"] + parts["static"] > 0.9 * r.energy_j


def test_readme_speech_table_is_current() -> None:
    """The README's keyword-spotter table, regenerated."""
    readme = (ROOT / "README.md").read_text()
    rows = readme.split("| network | chip | weights (KiB) | weights fit | off chip (MiB) |")[1]
    rows = rows.split("\n\n")[0].splitlines()[2:]
    assert len(rows) == 9
    for row in rows:
        label, chip, weights, fit, off_chip, time, energy, memory = (c.strip() for c in row.split("|")[1:-1])
        r = simulate(label.strip("`"), chip)
        assert float(weights) == pytest.approx(r.weight_bytes / 2**10, abs=0.05)
        assert fit == ("yes" if r.weights_fit_on_chip else "no")
        assert float(off_chip) == pytest.approx(
            (sum(r.dram_bytes.values()) + r.flash_bytes) / 2**20, abs=0.005
        )
        assert float(time.split()[0]) == pytest.approx(r.latency_s * 1e3, abs=0.005)
        assert float(energy.split()[0]) == pytest.approx(r.energy_j * 1e6, abs=0.05)
        assert float(memory.rstrip("%")) == pytest.approx(100 * r.memory_share, abs=0.05)
