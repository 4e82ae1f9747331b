"""Files -> typed values: the only package that reads a user's files. The commands and apps
ask for what they need here, by name; the modules behind it are this package's business.
Names load on first use, so a command imports only the readers it calls."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as the type checker sees them
    from accelsim.load.chip import anchored, in_levels_form, load_hw, parse_hw
    from accelsim.load.compression import resolve_spec
    from accelsim.load.onnx_model import is_onnx
    from accelsim.load.resources import beside, bundled_dir, bundled_names, resolve
    from accelsim.load.scalesim import (
        DATAFLOWS,
        DEFAULT_WORDS_PER_CYCLE,
        WORD_BYTES,
        chip_from_cfg,
        is_topology,
    )
    from accelsim.load.workload import workload_params
    from accelsim.load.yamlio import load_yaml_mapping

_HOME = {
    "anchored": "accelsim.load.chip",
    "beside": "accelsim.load.resources",
    "bundled_dir": "accelsim.load.resources",
    "bundled_names": "accelsim.load.resources",
    "chip_from_cfg": "accelsim.load.scalesim",
    "in_levels_form": "accelsim.load.chip",
    "is_onnx": "accelsim.load.onnx_model",
    "is_topology": "accelsim.load.scalesim",
    "load_hw": "accelsim.load.chip",
    "load_yaml_mapping": "accelsim.load.yamlio",
    "parse_hw": "accelsim.load.chip",
    "resolve": "accelsim.load.resources",
    "resolve_spec": "accelsim.load.compression",
    # SCALE-Sim's format facts, shared by the reader here and the writer in present/
    "DATAFLOWS": "accelsim.load.scalesim",
    "DEFAULT_WORDS_PER_CYCLE": "accelsim.load.scalesim",
    "WORD_BYTES": "accelsim.load.scalesim",
    "workload_params": "accelsim.load.workload",
}
__all__ = [
    "anchored",
    "DATAFLOWS",
    "DEFAULT_WORDS_PER_CYCLE",
    "WORD_BYTES",
    "beside",
    "bundled_dir",
    "bundled_names",
    "chip_from_cfg",
    "in_levels_form",
    "is_onnx",
    "is_topology",
    "load_hw",
    "load_yaml_mapping",
    "parse_hw",
    "resolve",
    "resolve_spec",
    "workload_params",
]


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'accelsim.load' has no attribute {name!r}")
    value = getattr(importlib.import_module(_HOME[name]), name)
    globals()[name] = value
    return value
