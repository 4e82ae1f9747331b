"""Workload files (YAML) -> LayerSpecs -> Network.

A file has `name`, `input` ([C, H, W]), optional `blocks` (reusable, parameterized groups of
layers) and `layers`. See README "Workload format". Every layer reads from the previous one
unless it says `from:`; inside a block, `from: in` is the block's input and names are local.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from accelsim.errors import AccelsimError, closest, listing
from accelsim.ir.build import MAX_LAYERS, build_network
from accelsim.ir.network import INPUT, LayerSpec, Network
from accelsim.ir.rules import is_int
from accelsim.load.yamlio import load_yaml_mapping

BLOCKS_FILE = Path(__file__).with_name("blocks.yaml")  # blocks every workload may use

TOP_KEYS = {"name", "description", "source", "input", "params", "ranges", "blocks", "layers"}
_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "round": round,
    "int": int,
    "max": max,
    "min": min,
    "floor": math.floor,
    "ceil": math.ceil,
}
ENTRY_KEYS = {"name", "op", "from", "block", "repeat", "first"}
BLOCK_KEYS = {"args", "let", "layers", "description"}
MAX_REPEAT = 1024  # `repeat:` beyond this is a typo (the zoo's largest is 16)
BLOCK_INPUT = "in"
Item = dict[str, Any]  # one entry of a `layers` list, as read
_VAR = re.compile(r"\$([A-Za-z_]\w*)")
_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.truediv,
}


def _where(source: str, node: Any) -> str:
    line = getattr(node, "line", 0)
    return f"{source}:{line}" if line else source


def _evaluate(text: str, env: Mapping[str, Any], where: str) -> Any:
    """Substitute $vars in a string; arithmetic (+ - * / //) and round/int/max/min/floor/ceil
    are then evaluated."""

    def var(match: re.Match[str]) -> str:
        key = match.group(1)
        if key not in env:
            raise AccelsimError(f"{where}: unknown parameter '${key}'{closest(key, env)}")
        return repr(env[key])

    if "$" not in text:
        return text
    whole = _VAR.fullmatch(text.strip())
    if whole:  # a bare $var keeps its type (a number, a list, 'same'...)
        var(whole)
        return env[whole.group(1)]

    def walk(node: ast.AST) -> Any:
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return _BINOPS[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in _FUNCTIONS
            and not node.keywords
        ):
            return _FUNCTIONS[node.func.id](*(walk(arg) for arg in node.args))
        raise ValueError

    expr = _VAR.sub(var, text)
    try:
        value = walk(ast.parse(expr, mode="eval").body)
    except (SyntaxError, ValueError, TypeError, ZeroDivisionError):
        raise AccelsimError(
            f"{where}: cannot evaluate '{text}' (numbers, + - * / //, round int max min floor ceil)"
        ) from None
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _substitute(value: Any, env: Mapping[str, Any], where: str) -> Any:
    if isinstance(value, str):
        return _evaluate(value, env, where)
    if isinstance(value, list):
        return [_substitute(v, env, where) for v in value]
    return value


class _TooLarge(AccelsimError):
    """The expansion outgrew MAX_LAYERS: stop at once rather than note it and go on."""


_INTERVAL = re.compile(r"^\s*([\[(])\s*([^,\s]+)\s*,\s*([^\]\)\s]+)\s*([\])])\s*$")


def _check_ranges(data: Mapping[str, Any], params: Mapping[str, Any], source: str) -> None:
    """Each parameter inside the interval its file declares (`ranges: {sr: "(0, 1]"}`): a
    squeeze ratio of 0 or -1 is no SqueezeNet, and nothing downstream would say so."""
    ranges = data.get("ranges") or {}
    if not isinstance(ranges, Mapping):
        raise AccelsimError(
            f"{_where(source, data)}: 'ranges' must map parameters to intervals like '(0, 1]'"
        )
    for key, interval in ranges.items():
        match = _INTERVAL.match(str(interval))
        if key not in params or not match:
            raise AccelsimError(
                f"{_where(source, ranges)}: ranges: '{key}' must name a parameter and an interval like "
                f"'(0, 1]' or '[1, 64]', got {key}: {interval!r}"
            )
        opening, low, high, closing = (
            match.group(1),
            float(match.group(2)),
            float(match.group(3)),
            match.group(4),
        )
        value = params[key]
        inside = (
            isinstance(value, (int, float))
            and (low < value if opening == "(" else low <= value)
            and (value < high if closing == ")" else value <= high)
        )
        if not inside:
            raise AccelsimError(
                f"{source}: parameter '{key}' of network '{data.get('name')}' must be in "
                f"{opening}{match.group(2)}, {match.group(3)}{closing}, got {value!r}"
            )


class _Expander:
    """Expands entries (layers and block instances) into flat LayerSpecs."""

    def __init__(self, source: str, blocks: Mapping[str, Any], params: Mapping[str, Any]) -> None:
        self.source = source
        self.blocks = blocks
        self.params = params
        self.specs: list[LayerSpec] = []
        self.problems: list[str] = []  # entries that could not be expanded, each with its line
        self.failed: set[str] = set()  # and the names they would have had

    def expand(
        self, entries: Any, prefix: str, block_input: str, env: Mapping[str, Any], depth: int = 0
    ) -> str:
        """Expand a list of entries; returns the name of the last layer emitted."""
        if depth > 16:
            raise AccelsimError(f"{self.source}: blocks nest more than 16 deep (a block uses itself?)")
        if not isinstance(entries, list) or not entries:
            raise AccelsimError(f"{self.source}: 'layers' must be a non-empty list")
        local: dict[str, str] = {BLOCK_INPUT: block_input} if prefix else {INPUT: INPUT}
        previous = block_input
        for entry in entries:
            try:
                previous = self._entry(entry, local, previous, prefix, env, depth)
            except _TooLarge:
                raise
            except AccelsimError as exc:  # noted; the other layers are still checked
                self.problems.append(str(exc))
                raw_name = str(entry.get("name") or "layer") if isinstance(entry, dict) else "layer"
                previous = local[raw_name] = f"{prefix}{raw_name}"
                self.failed.add(previous)
        return previous

    def _entry(
        self,
        entry: Any,
        local: dict[str, str],
        previous: str,
        prefix: str,
        env: Mapping[str, Any],
        depth: int,
    ) -> str:
        """One entry (a layer, a repeated layer or a block instance), its names entered in
        `local`; returns the name of the last layer it emitted."""
        if not isinstance(entry, dict):
            raise AccelsimError(f"{self.source}: each layer must be a mapping, got {entry!r}")
        repeat = entry.get("repeat", 1)
        if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
            raise AccelsimError(
                f"{_where(self.source, entry)}: repeat must be an integer from 1 to {MAX_REPEAT}, "
                f"got {repeat!r}"
            )
        for i in range(repeat):
            item = dict(entry)
            first = item.pop("first", None)
            if i == 0 and first:
                if not isinstance(first, dict):
                    raise AccelsimError(f"{_where(self.source, entry)}: 'first' must be a mapping")
                item.update(first)
            if repeat > 1:
                item["name"] = f"{entry.get('name', 'layer')}_{i + 1}"
            raw_name = str(item.get("name") or f"{item.get('op') or item.get('block')}{len(self.specs)}")
            inputs = self._inputs(item, local, previous, entry)
            previous = self._one(item, entry, f"{prefix}{raw_name}", inputs, env, depth)
            local[raw_name] = previous
        return previous

    def _inputs(self, item: Item, local: dict[str, str], previous: str, entry: Any) -> tuple[str, ...]:
        src = item.get("from")
        if src is None:
            return (previous,)
        refs = [src] if isinstance(src, str) else src
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            raise AccelsimError(f"{_where(self.source, entry)}: 'from' must be a layer name or a list")
        out = []
        for ref in refs:
            if ref not in local:
                raise AccelsimError(
                    f"{_where(self.source, entry)}: layer '{item.get('name', '?')}' reads from "
                    f"unknown layer '{ref}'{closest(ref, local)}"
                )
            out.append(local[ref])
        return tuple(out)

    def _one(
        self,
        item: Item,
        entry: Any,
        name: str,
        inputs: tuple[str, ...],
        env: Mapping[str, Any],
        depth: int,
    ) -> str:
        """Emit one layer, or expand one block instance; returns the output layer's name."""
        where = _where(self.source, entry)
        if ("op" in item) == ("block" in item):
            raise AccelsimError(f"{where}: each layer needs exactly one of 'op' or 'block'")
        if "block" in item:
            return self._instance(item, where, name, inputs, env, depth)
        attrs = {k: _substitute(v, env, where) for k, v in item.items() if k not in ENTRY_KEYS}
        op = item["op"]
        if not isinstance(op, str):
            raise AccelsimError(f"{where}: 'op' must be a string, got {op!r}")
        if len(self.specs) >= MAX_LAYERS:
            raise _TooLarge(
                f"{where}: the network expands to more than {MAX_LAYERS:,} layers; expected at most "
                f"{MAX_LAYERS:,} (check the repeat counts)"
            )
        self.specs.append(LayerSpec(name, op, inputs, attrs, where))
        return name

    def _instance(
        self,
        item: Item,
        where: str,
        name: str,
        inputs: tuple[str, ...],
        env: Mapping[str, Any],
        depth: int,
    ) -> str:
        block_name = item["block"]
        if block_name not in self.blocks:
            raise AccelsimError(
                f"{where}: unknown block '{block_name}'{closest(str(block_name), self.blocks)}"
            )
        block = self.blocks[block_name]
        declared = block.get("args") or {}
        args = {k: _substitute(v, env, where) for k, v in item.items() if k not in ENTRY_KEYS}
        for key in args:
            if key not in declared:
                raise AccelsimError(
                    f"{where}: block '{block_name}' has no argument '{key}'{closest(key, declared)}"
                )
        missing = [k for k, v in declared.items() if v is None and k not in args]
        if missing:
            raise AccelsimError(f"{where}: block '{block_name}' needs argument(s) {', '.join(missing)}")
        if len(inputs) != 1:
            raise AccelsimError(f"{where}: a block instance reads from exactly one layer")
        # the network's params, then the block's defaults and arguments, then its `let` values
        scope = {**self.params, **{k: v for k, v in declared.items() if v is not None}, **args}
        for key, expression in (block.get("let") or {}).items():
            scope[key] = _substitute(expression, scope, where)
        return self.expand(block.get("layers"), f"{name}/", inputs[0], scope, depth + 1)


@lru_cache(maxsize=1)
def builtin_blocks() -> dict[str, Any]:
    """The blocks every workload file may use (attention...), from `blocks.yaml`; a file's own
    `blocks` of the same name take their place."""
    return dict(load_yaml_mapping(BLOCKS_FILE)["blocks"])


def parse_workload(
    data: Mapping[str, Any], source: str, overrides: Mapping[str, float] | None = None
) -> tuple[str, tuple[int, ...], list[LayerSpec], str]:
    """Validate a workload mapping and expand it into (name, input shape, specs, description).
    `overrides` replace values of the workload's `params`."""
    problems = [
        f"unknown top-level field '{key}'{closest(str(key), TOP_KEYS)}" for key in data if key not in TOP_KEYS
    ]
    problems += [f"missing required field '{key}'" for key in ("name", "input", "layers") if key not in data]
    if problems:
        raise AccelsimError(f"{_where(source, data)}: " + listing(problems))
    blocks = data.get("blocks") or {}
    if not isinstance(blocks, dict):
        raise AccelsimError(f"{source}: 'blocks' must be a mapping of block name to definition")
    for bname, block in blocks.items():
        if not isinstance(block, dict) or "layers" not in block:
            raise AccelsimError(f"{_where(source, block)}: block '{bname}' needs a 'layers' list")
        unknown_keys = [
            f"block '{bname}': unknown field '{key}'{closest(str(key), BLOCK_KEYS)}; "
            f"expected: {', '.join(sorted(BLOCK_KEYS))}"
            for key in block
            if key not in BLOCK_KEYS
        ]
        if unknown_keys:
            raise AccelsimError(f"{_where(source, block)}: " + listing(unknown_keys))
        for key in ("args", "let"):
            if not isinstance(block.get(key) or {}, dict):
                raise AccelsimError(f"{_where(source, block)}: block '{bname}' {key} must be a mapping")
    params = dict(data.get("params") or {})
    for key, value in (overrides or {}).items():
        if key not in params:
            names = ", ".join(params) or "none"
            raise AccelsimError(
                f"{source}: network '{data['name']}' has no parameter '{key}'{closest(key, params)}; "
                f"its parameters: {names}"
            )
        if not math.isfinite(value):
            raise AccelsimError(f"{source}: parameter '{key}' must be a finite number, got {value!r}")
        params[key] = int(value) if isinstance(params[key], int) and float(value).is_integer() else value
    _check_ranges(data, params, source)
    shape = _substitute(data["input"], params, _where(source, data))
    if not isinstance(shape, list) or not 1 <= len(shape) <= 3 or not all(is_int(d, 1) for d in shape):
        raise AccelsimError(
            f"{source}: 'input' must be 1 to 3 positive integers ([channels, height, width] for an image, "
            f"[tokens] for token ids, [tokens, features]), got {shape!r}"
        )
    expander = _Expander(source, {**builtin_blocks(), **blocks}, params)
    expander.expand(data["layers"], "", INPUT, params)
    name = str(data["name"])
    if overrides:
        name += "@" + ",".join(f"{k}={v:g}" for k, v in overrides.items())
    if expander.problems:  # reported with the problems the build finds in the other layers
        build_network(
            name,
            tuple(shape),
            expander.specs,
            source=source,
            problems=expander.problems,
            failed=expander.failed,
        )
    return name, tuple(shape), expander.specs, str(data.get("description", ""))


def load_workload(path: Path, params: Mapping[str, float] | None = None) -> Network:
    """A workload file as a Network. Networks are immutable, so repeated loads of an unchanged
    file (a loop of simulate("squeezenet", ...)) reuse the first."""
    try:
        stamp = path.stat().st_mtime_ns
    except OSError as exc:
        raise AccelsimError(f"{path}: cannot read file ({exc.strerror})") from None
    return _load_workload(str(path.resolve()), stamp, tuple(sorted((params or {}).items())))


@lru_cache(maxsize=64)
def _load_workload(path: str, stamp: int, params: tuple[tuple[str, float], ...]) -> Network:
    data = load_yaml_mapping(Path(path))
    name, shape, specs, description = parse_workload(data, path, dict(params))
    return build_network(name, shape, specs, description, source=path)


def workload_params(path: Path) -> dict[str, Any]:
    """The parameters a workload file declares, with their defaults."""
    params = load_yaml_mapping(path).get("params") or {}
    return dict(params) if isinstance(params, dict) else {}
