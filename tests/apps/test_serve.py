"""Serving a decoder (issue 32): latency per sequence against throughput over the batch, the
energy per token, and the KV caches' fit, at each prompt length and batch."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim import load_hw, load_net
from accelsim.apps.generate import generate
from accelsim.apps.serve import serve
from accelsim.errors import AccelsimError
from tests.cli_runner import run_main
from tests.conftest import ROOT

NET, CHIP = "smollm2_135m", "edge_llm_npu"
LAYERS, KV_WIDTH = 30, 3 * 64  # SmolLM2-135M: 3 key-value heads of 64


@pytest.fixture(scope="module")
def study() -> object:
    return serve(NET, CHIP, [128, 1024], [1, 4], tokens=4)


def test_each_point_is_consistent(study: object) -> None:
    for p in study.points:  # type: ignore[attr-defined]
        assert p.tokens_per_s == pytest.approx(p.batch * p.tokens_per_s_per_sequence)
        assert p.time_per_output_token_s == pytest.approx(1 / p.tokens_per_s_per_sequence)
        # the caches: keys and values of every layer, every token, every sequence (int8)
        assert p.kv_cache_bytes == p.batch * (p.context + 4) * 2 * LAYERS * KV_WIDTH
        # they stay on chip exactly when the context fits the longest that keeps them
        longest = study.longest_context[p.batch]  # type: ignore[attr-defined]
        assert p.kv_cache_fits_on_chip == (p.context + 4 <= longest)
    one, four = study.point(128, 1), study.point(128, 4)  # type: ignore[attr-defined]
    # the weights stream once per step for all four: 2.4x the tokens/s (a step at batch 1 is
    # already at the DRAM's pace on the vector lanes), each token 3.7x cheaper
    assert four.tokens_per_s > 2 * one.tokens_per_s
    assert four.energy_per_token_j < one.energy_per_token_j / 3
    assert four.time_to_first_token_s > one.time_to_first_token_s  # four prompts prefilled


def test_longest_context_falls_as_the_batch_grows(study: object) -> None:
    longest = study.longest_context  # type: ignore[attr-defined]
    assert longest[1] > longest[4] > 0
    # the caches of 4 sequences at their longest fit where 4 sequences one token longer do not
    chip = load_hw(CHIP)
    per_token = 2 * LAYERS * KV_WIDTH * chip.activation_bits / 8
    assert 4 * longest[4] * per_token <= chip.onchip_bytes


@settings(max_examples=6, deadline=None)
@given(st.integers(16, 160), st.sampled_from([(1, 2), (2, 4), (1, 4)]))
def test_total_throughput_never_falls_as_the_batch_grows_while_caches_fit(
    context: int, batches: tuple[int, int]
) -> None:
    small, large = (generate(NET, CHIP, context, 2, batch=b) for b in batches)
    if large.kv_cache_fits_on_chip:
        assert large.tokens_per_s >= small.tokens_per_s * (1 - 1e-9)


def test_cache_bytes_are_linear_in_batch_and_context() -> None:
    per = 2 * LAYERS * KV_WIDTH
    for batch, context in ((1, 64), (3, 64), (3, 200)):
        assert generate(NET, CHIP, context, 1, batch=batch).kv_cache_bytes == batch * (context + 1) * per


def test_the_command_its_json_and_report(tmp_path: Path) -> None:
    args = ("serve", "--hw", CHIP, "--net", NET, "--context", "128", "--batch", "1,2", "--tokens", "2")
    out = run_main(*args)
    assert out.returncode == 0 and "tokens/s, all" in out.stdout and "caches stay on chip up to" in out.stdout
    document = json.loads(run_main(*args, "--json").stdout)
    assert [(p["context"], p["batch"]) for p in document["points"]] == [(128, 1), (128, 2)]
    assert set(document["longest_context"]) == {"1", "2"}
    report = tmp_path / "serve.html"
    assert run_main(*args, "--report", str(report)).returncode == 0
    assert "throughput vs latency per token" in report.read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--context", "12x"), "--context: expected positive integers like 1,4,16, got '12x'"),
        (("--batch", "0"), "--batch: expected positive integers"),
        (("--net", "squeezenet"), "has no parameter 'seq' or 'past'"),
        (("--tokens", "0"), "tokens (to generate) must be an integer from 1"),
    ],
)
def test_bad_input_is_one_line(args: tuple[str, ...], message: str) -> None:
    base = {"--hw": CHIP, "--net": NET, "--context": "128", "--batch": "1", "--tokens": "2"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    out = run_main("serve", *(x for pair in base.items() for x in pair))
    assert out.returncode == 2 and message in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_too_many_points_are_refused_before_any_runs() -> None:
    with pytest.raises(AccelsimError, match="expected at most 64"):
        serve(NET, CHIP, list(range(1, 10)), list(range(1, 10)))


def test_readme_serving_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    table = readme[readme.index("| context | batch | time to first token |") :].split("\n\n")[0]
    rows = table.splitlines()[2:]
    result = serve("qwen2_5_0_5b", CHIP, [256, 2048], [1, 4, 16], tokens=8)
    assert len(rows) == len(result.points)
    for row, p in zip(rows, result.points, strict=True):
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert cells == [
            f"{p.context:,}",
            f"{p.batch}",
            f"{p.time_to_first_token_s * 1e3:.1f} ms",
            f"{p.time_per_output_token_s * 1e3:.2f} ms",
            f"{p.tokens_per_s:,.0f}",
            f"{p.energy_per_token_j * 1e3:.2f} mJ",
            f"{p.memory_share:.1%}",
            "yes" if p.kv_cache_fits_on_chip else "no",
        ]
    longest = ", ".join(f"{t:,} at batch {b}" for b, t in result.longest_context.items())
    assert f"caches stay on chip up to {longest} tokens" in " ".join(readme.split())
    assert load_net("qwen2_5_0_5b").params == 494_032_768


def test_run_reports_latency_per_sequence_and_throughput_over_the_batch() -> None:
    g = generate(NET, CHIP, 64, 4, batch=4)
    assert g.time_per_output_token_s == pytest.approx(g.decode_s / 4)
    assert g.tokens_per_s == pytest.approx(4 * g.tokens_per_s_per_sequence)
    document = json.loads(
        run_main(
            "run", "--hw", CHIP, "--net", NET, "--context", "64", "--tokens", "4", "--batch", "4", "--json"
        ).stdout
    )
    assert document["time_per_output_token_s"] == pytest.approx(g.time_per_output_token_s)
    assert document["tokens_per_s"] == pytest.approx(4 * document["tokens_per_s_per_sequence"])
    text = " ".join(
        run_main(
            "run", "--hw", CHIP, "--net", NET, "--context", "64", "--tokens", "4", "--batch", "4"
        ).stdout.split()
    )
    assert "tokens/s per sequence" in text and "in all" in text
