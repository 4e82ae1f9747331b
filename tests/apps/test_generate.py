"""Text generation with a KV cache: the cache's size, decode in closed form where the DRAM
bounds it, the sampled steps against every step, the longest context that fits (issue 17)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from accelsim import generate, longest_context, simulate, variant
from accelsim.apps import generate as generation
from accelsim.hw.enums import TensorKind
from accelsim.load.chip import load_hw
from tests.cli_runner import run_main

LAYERS, D = 12, 768
ROOT = Path(__file__).resolve().parents[2]


def step(hw: object, past: int, batch: int = 1) -> object:
    return simulate("gpt2", hw, batch=batch, params={"seq": 1, "past": past})


@pytest.mark.parametrize(("past", "batch"), [(0, 1), (511, 1), (99, 3)])
def test_kv_cache_bytes(past: int, batch: int) -> None:
    # keys and values of every layer for every token so far, at the chip's 8-bit activations
    result = step("2W_npu", past, batch)
    assert result.kv_cache_bytes == 2 * LAYERS * (past + 1) * D * 1 * batch


def test_decode_where_weights_do_not_fit_is_dram_bound_in_closed_form() -> None:
    # 2W_npu with a slow DRAM: GPT-2's 124 MB of int8 weights stream every token, and so does
    # the cache of 1,024 tokens (18.9 MB), which the 4 MiB SRAM cannot keep either
    chip = variant("2W_npu", {"memory.dram.bandwidth": "4 GB/s"})
    past = 1023
    r = step(chip, past)
    assert not r.weights_fit_on_chip and not r.kv_cache_fits_on_chip
    # every weight but the position table's 1,022 unread rows (one token reads one row, and
    # position ids share the token ids' shape: 2 rows), and the whole cache
    kv = 2 * LAYERS * (past + 1) * D
    streamed = 124_439_808 - 1022 * D + kv
    assert r.dram_bytes["weights"] == 124_439_808 - 1022 * D
    assert 0.75 * kv < r.dram_bytes["kv_cache"] <= kv  # a fifth of the caches stays on chip
    dram = chip.level("dram")
    sram = chip.buffer_for(TensorKind.WEIGHTS)
    latency = streamed / dram.bandwidth_bytes_per_s
    closed_form = (
        streamed * (dram.read_j_per_byte + sram.write_j_per_byte + sram.read_j_per_byte)  # via the buffer
        + sum(layer.macs for layer in r.layers) * chip.mac_j
        + chip.leakage_w * latency
    )
    assert r.latency_s == pytest.approx(latency, rel=0.10)
    assert r.energy_j == pytest.approx(closed_form, rel=0.10)
    assert r.dram_share > 0.5  # the DRAM's, then the leakage over the DRAM's time


@pytest.mark.parametrize(("chip", "context", "tokens"), [("2W_npu", 170, 60), ("edge_llm_npu", 600, 100)])
def test_sampled_steps_agree_with_every_step(
    monkeypatch: pytest.MonkeyPatch, chip: str, context: int, tokens: int
) -> None:
    """2W_npu keeps up to 224 tokens of cache: the span crosses that point, where the sampling
    gathers; on edge_llm_npu the pinned weights give way to the cache near 679 tokens."""
    sampled = generate("gpt2", chip, context=context, tokens=tokens)
    monkeypatch.setattr(generation, "EVERY_STEP", tokens)
    exact = generate("gpt2", chip, context=context, tokens=tokens)
    assert len(exact.steps) == tokens and len(sampled.steps) < tokens / 3
    assert sampled.decode_energy_j == pytest.approx(exact.decode_energy_j, rel=0.002)
    assert sampled.decode_s == pytest.approx(exact.decode_s, rel=0.002)
    assert sampled.kv_cache_fits_on_chip == exact.kv_cache_fits_on_chip is False
    if chip == "2W_npu":  # samples gather where the cache stops fitting
        fits = [s.kv_cache_fits_on_chip for s in sampled.steps]
        assert fits[0] and not fits[-1] and len(sampled.steps) > 3


def test_generation_figures() -> None:
    g = generate("gpt2", "edge_llm_npu", context=64, tokens=8)
    assert g.time_to_first_token_s == g.prefill.latency_s
    assert g.prefill.network.startswith("gpt2@") and g.network == "gpt2"
    assert g.decode_s == pytest.approx(sum(s.latency_s for s in g.steps))
    assert g.tokens_per_s == pytest.approx(8 / g.decode_s)
    assert g.energy_per_token_j == pytest.approx(sum(s.energy_j for s in g.steps) / 8)
    leakage = sum(s.energy_breakdown_j["memory_leakage"] for s in g.steps)
    memory = sum(g.decode_by_tensor_j.values()) + leakage  # the memory share counts leakage
    assert memory == pytest.approx(g.decode_memory_j, rel=1e-9)
    assert g.kv_cache_bytes == 2 * LAYERS * (64 + 8) * D
    # the longer the context, the more each step reads
    assert [s.dram_bytes["kv_cache"] for s in g.steps] == sorted(s.dram_bytes["kv_cache"] for s in g.steps)


def test_longest_context_is_the_edge_of_fitting() -> None:
    most = longest_context("gpt2", "2W_npu")
    assert step("2W_npu", most - 1).kv_cache_fits_on_chip
    assert not step("2W_npu", most).kv_cache_fits_on_chip
    # its cache is within the SRAM; twice the SRAM keeps more than twice as many tokens (the
    # tile reserve is fixed)
    assert 2 * LAYERS * most * D <= load_hw("2W_npu").onchip_bytes
    assert longest_context("gpt2", variant("2W_npu", {"memory.sram.capacity": "8 MiB"})) > 2 * most


def test_cli_generation_and_its_errors() -> None:
    outcome = run_main(
        "run", "--hw", "edge_llm_npu", "--net", "gpt2", "--context", "32", "--tokens", "4", "--json", "-"
    )
    assert outcome.returncode == 0, outcome.stderr
    data = json.loads(outcome.stdout)
    assert data["generated_tokens"] == 4 and data["kv_cache_bytes"] == 2 * LAYERS * 36 * D
    assert set(data["energy_per_token_by_tensor_j"]) == {"weights", "activations", "kv_cache"}
    text = run_main("run", "--hw", "edge_llm_npu", "--net", "gpt2", "--context", "32", "--tokens", "4")
    assert "time to first token" in text.stdout and "KV cache stays on chip" in text.stdout
    for args, message in [
        (("--net", "bert_base", "--context", "8", "--tokens", "2"), "has no parameter 'past'"),
        (("--net", "gpt2", "--tokens", "2"), "--context and --tokens go together"),
        (
            ("--net", "gpt2", "--context", "0", "--tokens", "2"),
            "context (prompt tokens) must be an integer from 1 to 1,000,000, got 0",
        ),
    ]:
        bad = run_main("run", "--hw", "2W_npu", *args)
        assert bad.returncode == 2 and message in bad.stderr, bad.stderr
    fit = run_main("fit", "--hw", "2W_npu", "--net", "gpt2", "--context", "--json")
    assert json.loads(fit.stdout)["longest_context_tokens"] == longest_context("gpt2", "2W_npu")


def test_readme_transformer_table_is_current() -> None:
    """The README's table for language models, regenerated."""
    readme = (ROOT / "README.md").read_text()
    rows = readme.split("| network | chip | weights (MiB) | weights fit | KV cache (MiB) |")[1]
    rows = rows.split("\n\n")[0].splitlines()[2:]
    assert len(rows) == 7
    for row in rows:
        label, chip, weights, fit, kv, kv_fits, time, energy, memory, dram = (
            c.strip() for c in row.split("|")[1:-1]
        )
        net = label.split("`")[1]
        if net == "gpt2":
            g = generate(net, chip, context=512, tokens=128)
            shown = (g.prefill.weight_bytes, g.weights_fit_on_chip, g.memory_share, g.dram_share)
            assert float(kv) == pytest.approx(g.kv_cache_bytes / 2**20, abs=0.005)
            assert kv_fits == ("yes" if g.kv_cache_fits_on_chip else "no")
            seconds, joules = 1 / g.tokens_per_s, g.energy_per_token_j
        else:
            r = simulate(net, chip)
            shown = (r.weight_bytes, r.weights_fit_on_chip, r.memory_share, r.dram_share)
            assert kv == kv_fits == "-"
            seconds, joules = r.latency_s, r.energy_j
        assert float(weights) == pytest.approx(shown[0] / 2**20, abs=0.005)
        assert fit == ("yes" if shown[1] else "no")
        assert float(time.split()[0]) == pytest.approx(seconds * 1e3, abs=0.005)
        assert float(energy.split()[0]) == pytest.approx(joules * 1e3, abs=0.005)
        assert float(memory.rstrip("%")) == pytest.approx(100 * shown[2], abs=0.05)
        assert float(dram.rstrip("%")) == pytest.approx(100 * shown[3], abs=0.05)
    assert "224 tokens on the 2 W\nNPU, 452 on `edge_llm_npu`" in readme
    edge, npu = (
        generate("gpt2", chip, context=512, tokens=128).tokens_per_s for chip in ("edge_llm_npu", "2W_npu")
    )
    flat = " ".join(readme.split())
    assert (
        f"`edge_llm_npu` generates {edge:.0f} tokens/s" in flat
        and f"DRAM is the limit ({npu:.0f} tokens/s)" in flat
    )
    assert (longest_context("gpt2", "2W_npu"), longest_context("gpt2", "edge_llm_npu")) == (224, 452)


@pytest.mark.parametrize("chip", ["2W_npu", "edge_llm_npu"])
def test_a_batch_decode_step_moves_the_weights_once(chip: str) -> None:
    """B sequences decoded together read every streamed weight once per step, not B times:
    the weight bytes per sequence fall as 1/B (the position table's looked-up rows aside, one
    per sequence)."""
    one, four = step(chip, 255), step(chip, 255, batch=4)
    assert four.dram_bytes["weights"] * 4 == pytest.approx(one.dram_bytes["weights"], rel=0.001)
