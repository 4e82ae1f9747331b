"""GenZ's LLM latencies on edge_llm_npu's platform, for tests/validation/test_genz.py (issue 32).

Run it in a venv of its own (GenZ is never a dependency):

    python -m venv /tmp/genz && /tmp/genz/bin/pip install genz-llm
    /tmp/genz/bin/python bench/genz_compare.py

GenZ (genz-llm 0.0.16) is a roofline model: each operator takes the longer of its compute at
the platform's peak and its bytes at the memory bandwidth. The platform here is edge_llm_npu's:
8.19 int8 TOPS (4096 MACs at 1 GHz; GenZ's `Flops` is bf16 TFLOPS and int8 runs twice as
fast, so 4.096), 51.2 GB/s, memory large enough for every model (8 GB, no offload), efficiency
1. Writes tests/fixtures/genz_llm.json: prefill and one decode step after a 512-token prompt
for GPT-2 and Llama 3.2 1B at batch 1, with each run's per-operator latencies.
"""

from __future__ import annotations

import json
from pathlib import Path

from GenZ import decode_moddeling, prefill_moddeling

FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "genz_llm.json"
PLATFORM = {"Flops": 4.096, "Memory_size": 8, "Memory_BW": 51.2, "ICN": 150, "real_values": True}
MODELS = {"gpt2": "gpt2", "llama3_2_1b": "meta-llama/Llama-3.2-1B"}
CONTEXT = 512


def operators(run: dict) -> dict[str, float]:
    """Per-operator latency, ms (a block's operators once: GenZ repeats them per layer)."""
    frame = run["model_df"]
    return {
        str(n): float(t)
        for n, t in zip(frame["Layer Name"], frame["Latency (msec)"], strict=True)
        if float(t)
    }


def main() -> None:
    results = {}
    for name, genz_name in MODELS.items():
        prefill = prefill_moddeling(
            model=genz_name, batch_size=1, input_tokens=CONTEXT, system_name=dict(PLATFORM), bits="int8"
        )
        decode = decode_moddeling(
            model=genz_name,
            batch_size=1,
            input_tokens=CONTEXT,
            output_tokens=1,
            system_name=dict(PLATFORM),
            bits="int8",
            Bb=1,
        )
        results[name] = {
            "genz_model": genz_name,
            "prefill_ms": float(prefill["Latency"]),
            "decode_ms": float(decode["Latency"]),
            "prefill_operators_ms": operators(prefill),
            "decode_operators_ms": operators(decode),
        }
    FIXTURE.write_text(
        json.dumps(
            {
                "genz": "genz-llm 0.0.16",
                "platform": PLATFORM,
                "bits": "int8",
                "context": CONTEXT,
                "batch": 1,
                "results": results,
            },
            indent=1,
        )
        + "\n"
    )
    print(f"wrote {FIXTURE}")


if __name__ == "__main__":
    main()
