"""accelsim: energy and memory simulator for DNN accelerators."""

from accelsim.compare import compare
from accelsim.errors import AccelsimError
from accelsim.hardware import Accelerator, HwConfig, load_hw, variant
from accelsim.network import Layer, LayerSpec, Network, build_network
from accelsim.result import LayerResult, Result
from accelsim.simulate import simulate
from accelsim.workload import load_net, zoo_names

__version__ = "0.1.0"

__all__ = [
    "Accelerator",
    "AccelsimError",
    "HwConfig",
    "load_hw",
    "Layer",
    "LayerResult",
    "LayerSpec",
    "Network",
    "Result",
    "build_network",
    "compare",
    "load_net",
    "simulate",
    "variant",
    "zoo_names",
]
