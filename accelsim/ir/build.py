"""Building a Network from LayerSpecs: canonical ops, attribute checks, BatchNorm folding,
the graph's order, and every layer's shapes and costs from the op registry."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import replace

from accelsim.errors import AccelsimError, closest, has_control, listing
from accelsim.ir.network import INPUT, Layer, LayerSpec, Network, Shape
from accelsim.ir.ops import OPS, attribute_problems, canonical_op
from accelsim.ir.rules import is_int

MAX_ELEMENTS = 2**34  # per tensor (batch 1): 16 G elements; anything larger is a typo or an attack
MAX_LAYERS = 100_000  # the largest zoo network has ~250; an exported LLM a few thousand


def _located(spec: LayerSpec, message: str, source: str) -> str:
    """A message about a layer, led by where it was written (else by the file it came from)."""
    where = spec.where or source
    return f"{where}: {message}" if where else message


def fold_batchnorm(specs: Sequence[LayerSpec]) -> list[LayerSpec]:
    """Fold each BatchNorm into the conv/linear that solely feeds it: the BN disappears, the
    producer gains a bias (per-channel shift), and consumers of the BN read the producer."""
    by_name = {s.name: s for s in specs}
    consumers: dict[str, int] = {}
    for s in specs:
        for src in s.inputs:
            consumers[src] = consumers.get(src, 0) + 1
    renamed: dict[str, str] = {}
    folded: set[str] = set()
    for s in specs:
        if s.op != "bn" or len(s.inputs) != 1:
            continue
        src = renamed.get(s.inputs[0], s.inputs[0])
        producer = by_name.get(src)
        if producer and OPS[producer.op].has_weights and consumers[src] == 1:
            renamed[s.name] = src
            folded.add(s.name)
            by_name[src] = replace(producer, attrs={**producer.attrs, "bias": True})
    out = []
    for s in specs:
        if s.name in folded:
            continue
        s = by_name[s.name]
        out.append(replace(s, inputs=tuple(renamed.get(i, i) for i in s.inputs)))
    return out


def build_network(
    name: str,
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    description: str = "",
    fold_bn: bool = True,
    source: str = "",
    problems: Sequence[str] = (),
    failed: Collection[str] = (),
) -> Network:
    """Infer every layer's shapes and costs. Raises AccelsimError naming every bad layer (and
    where it was written: the spec's `where`, else `source`), after the `problems` a loader
    found in layers it could not make (named in `failed`; their readers are skipped)."""
    prefix = f"{source}: " if source else ""
    if not all(is_int(d, 1) for d in input_shape) or not input_shape:
        raise AccelsimError(
            f"{prefix}network '{name}': input shape must be positive integers, got {input_shape}"
        )
    input_shape = tuple(input_shape)
    if math.prod(input_shape) > MAX_ELEMENTS:
        raise AccelsimError(
            f"{prefix}network '{name}': input {input_shape} exceeds {MAX_ELEMENTS:.1e} elements; "
            "expected a realistic tensor size"
        )
    if has_control(name):
        raise AccelsimError(
            f"{prefix}network name {name!r} holds a control character; expected printable text"
        )
    if not specs:
        raise AccelsimError(listing(problems) or f"{prefix}network '{name}' has no layers")
    if len(specs) > MAX_LAYERS:
        raise AccelsimError(
            f"{prefix}network '{name}' has {len(specs):,} layers; expected at most {MAX_LAYERS:,}"
        )
    # Every problem at once, each with where it was written: misspelled ops and attributes,
    # names used twice, unknown inputs, shapes that do not work. A layer reading a failed one
    # is skipped silently (its problem is its producer's).
    problems = list(problems)
    failed = set(failed)
    canonical = []
    seen: set[str] = set()
    for s in specs:
        if s.name in seen or s.name == INPUT:
            problems.append(
                _located(s, f"network '{name}': layer name '{s.name}' is used twice (or is reserved)", source)
            )
            continue
        seen.add(s.name)
        if has_control(s.name):
            problems.append(
                _located(
                    s, f"layer name {s.name!r} holds a control character; expected printable text", source
                )
            )
            continue
        try:
            s = replace(s, op=canonical_op(s.op, s.name), inputs=tuple(s.inputs))
        except AccelsimError as exc:
            problems.append(_located(s, str(exc), source))
            failed.add(s.name)
            continue
        attribute = [_located(s, problem, source) for problem in attribute_problems(s)]
        if attribute:
            problems += attribute
            failed.add(s.name)
            continue
        canonical.append(s)
    specs = fold_batchnorm(canonical) if fold_bn else canonical
    usable = []
    for s in specs:
        unknown = [src for src in s.inputs if src != INPUT and src not in seen and src not in failed]
        problems += [
            _located(s, f"layer '{s.name}' reads from unknown layer '{src}'{closest(src, seen)}", source)
            for src in unknown
        ]
        if unknown:
            failed.add(s.name)
        usable.append(s)
    order = _execution_order(usable, name, prefix)
    by_name = {s.name: s for s in usable}

    shapes: dict[str, Shape] = {INPUT: input_shape}
    layers = []
    for layer_name in order:
        spec = by_name[layer_name]
        if layer_name in failed or any(src in failed for src in spec.inputs):
            failed.add(layer_name)
            continue
        in_shapes = tuple(shapes[src] for src in spec.inputs)
        try:
            if not in_shapes:
                raise AccelsimError(f"layer '{spec.name}' has no inputs")
            op = OPS[spec.op]
            shaped = op.rule(spec, in_shapes)
            layer = Layer(
                name=spec.name,
                op=op.name,
                engine=op.engine,
                inputs=spec.inputs,
                input_shapes=in_shapes,
                **vars(shaped),
            )
            if layer.output_elements > MAX_ELEMENTS or layer.weight_count > MAX_ELEMENTS:
                raise AccelsimError(
                    f"layer '{spec.name}': output {layer.output_shape} / weights {layer.weight_shape} exceed "
                    f"{MAX_ELEMENTS:.1e} elements; expected a realistic tensor size"
                )
        except AccelsimError as exc:
            problems.append(_located(spec, str(exc), source))
            failed.add(layer_name)
            continue
        shapes[spec.name] = layer.output_shape
        layers.append(layer)
    if problems:
        raise AccelsimError(listing(sorted(problems, key=_line)))
    _check_tied(layers, source)
    return Network(
        name=name, input_shape=input_shape, layers=tuple(layers), specs=tuple(usable), description=description
    )


def _line(problem: str) -> int:
    """The line a located problem names ('file.yaml:12: ...'), to list them in file order."""
    head = problem.split(": ", 1)[0].rpartition(":")[2]
    return int(head) if head.isdigit() else 0


def _check_tied(layers: Sequence[Layer], source: str) -> None:
    """A tied layer names an earlier layer that owns as many weights (the table it shares)."""
    prefix = f"{source}: " if source else ""
    seen: dict[str, Layer] = {}
    for layer in layers:
        owner = seen.get(layer.tied)
        if layer.tied and (owner is None or owner.tied or not owner.weight_count):
            raise AccelsimError(
                f"{prefix}layer '{layer.name}': tied to '{layer.tied}'; expected an earlier layer with "
                f"weights of its own{closest(layer.tied, seen)}"
            )
        if owner and owner.weight_count != layer.weight_count:
            raise AccelsimError(
                f"{prefix}layer '{layer.name}': tied to '{layer.tied}', which has {owner.weight_count:,} "
                f"weights; expected {layer.weight_count:,}"
            )
        seen[layer.name] = layer


def _execution_order(specs: Sequence[LayerSpec], name: str, prefix: str) -> list[str]:
    """The layers in an order that runs each after its inputs, keeping the written order where
    possible. Written in such an order already (every input defined above its reader, as zoo
    files and most exports are), it is that order, found without building a graph (networkx
    costs ~0.1 s to import: a CLI run would spend as much on it as on the simulation)."""
    defined: set[str] = set()
    for s in specs:
        if any(src != INPUT and src not in defined for src in s.inputs):
            break
        defined.add(s.name)
    else:
        return [s.name for s in specs]
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(s.name for s in specs)
    graph.add_edges_from((src, s.name) for s in specs for src in s.inputs if src in graph)
    try:
        cycle = nx.find_cycle(graph)
        raise AccelsimError(f"{prefix}network '{name}' has a cycle through layer '{cycle[0][0]}'")
    except nx.NetworkXNoCycle:
        pass
    position = {s.name: i for i, s in enumerate(specs)}
    return list(nx.lexicographical_topological_sort(graph, key=lambda n: position[n]))
