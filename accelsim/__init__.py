"""accelsim: energy and memory simulator for DNN accelerators.

What to call (each as the command of the same name does):

    result = accelsim.simulate("squeezenet", "2W_npu")   # a Result: fit, latency, energy...
    print(result)                                          # its headline in one line
    accelsim.compare(["2W_npu", "eyeriss"], ["squeezenet", "alexnet"])  # a DataFrame
    accelsim.sweep("spec.yaml", out="sweep.db")            # every point, a DataFrame
    accelsim.fit("mobilenet_v2", "2W_npu")                 # how small must it get to fit
    accelsim.smallest_sram("mobilenet_v2", "2W_npu")       # how big must the SRAM get
    accelsim.generate("gpt2", "edge_llm_npu", context=512, tokens=128)
    accelsim.serve("qwen2_5_0_5b", "edge_llm_npu", contexts=[256], batches=[1, 4])
    accelsim.trend(["squeezenet"], "2W_npu"); accelsim.train_scale("squeezenet", "titan")
    accelsim.load_net(...), accelsim.load_hw(...), accelsim.variant("2W_npu", {...})
    accelsim.figures(result)                               # a report's plotly figures

Bad values raise TypeError (wrong type) or AccelsimError, a ValueError, with one line naming
the field. The names load on first use (PEP 562), so `accelsim --version` and `--help` start
without the simulator's imports (numpy, networkx, pydantic, simpy...)."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"


def version_line() -> str:
    return f"accelsim {__version__}"


_HOME = {
    "Accelerator": "accelsim.hw.chip",
    "AccelsimError": "accelsim.errors",
    "DefaultTable": "accelsim.energy.default",
    "EnergyTable": "accelsim.energy.table",
    "Estimate": "accelsim.energy.table",
    "SramEstimate": "accelsim.energy.table",
    "HwConfig": "accelsim.hw.schema",
    "Layer": "accelsim.ir.network",
    "LayerResult": "accelsim.account.result",
    "LayerSpec": "accelsim.ir.network",
    "Network": "accelsim.ir.network",
    "Result": "accelsim.account.result",
    "build_network": "accelsim.ir.build",
    "compare": "accelsim.apps.compare",
    "figures": "accelsim.present.report",
    "fit": "accelsim.apps.fit",
    "smallest_sram": "accelsim.apps.fit",
    "sweep": "accelsim.apps.sweep.run",
    "generate": "accelsim.apps.generate",
    "load_hw": "accelsim.load.chip",
    "longest_context": "accelsim.apps.generate",
    "load_net": "accelsim.api",
    "serve": "accelsim.apps.serve",
    "simulate": "accelsim.api",
    "trend": "accelsim.apps.trend",
    "train_scale": "accelsim.apps.train_scale",
    "variant": "accelsim.api",
    "zoo_names": "accelsim.api",
}
__all__ = sorted([*_HOME, "version_line"])


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'accelsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
