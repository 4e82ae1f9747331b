"""accelsim: energy and memory simulator for DNN accelerators."""

from accelsim.account.result import LayerResult, Result
from accelsim.api import load_net, simulate, variant, zoo_names
from accelsim.apps.compare import compare
from accelsim.energy.default import DefaultTable
from accelsim.energy.table import EnergyTable, Estimate
from accelsim.errors import AccelsimError
from accelsim.hw.chip import Accelerator
from accelsim.hw.schema import HwConfig
from accelsim.ir import Layer, LayerSpec, Network, build_network
from accelsim.load.chip import load_hw

__version__ = "0.1.0"

__all__ = [
    "Accelerator",
    "AccelsimError",
    "DefaultTable",
    "EnergyTable",
    "Estimate",
    "HwConfig",
    "Layer",
    "LayerResult",
    "LayerSpec",
    "Network",
    "Result",
    "build_network",
    "compare",
    "load_hw",
    "load_net",
    "simulate",
    "variant",
    "zoo_names",
]
