"""`accelsim train-scale`: the seed talk's "fewer parameter weights means bigger opportunities for
scaling training" (FireCaffe), in numbers.

Synchronous data-parallel SGD: each of p workers runs forward and backward passes over its B/p
images of the global batch B, then the workers combine their weight gradients and every replica
updates. An iteration takes compute (forward, backward, weight update) plus the communication
the backward pass does not hide.

- **Backward pass**, derived per layer from the forward network: a layer with weights computes
  its weight gradient (as many MACs as its forward pass) and, unless nothing before it learns,
  its input gradient (as many again); a vector layer routes or masks its gradient (its forward
  vector ops again); views move nothing. Backward MACs are therefore 2x forward less the first
  layers' input gradients, not a flat factor.
- **Compute time** on a GPU worker: each pass of each layer at the larger of its FLOPs over the
  GPU's peak times its achieved efficiency and its fp32 bytes (inputs, weights, outputs and
  their gradients) over the memory bandwidth; the update reads weights, gradients and momentum
  and writes weights and momentum (20 B per parameter). On an accelsim chip worker: each layer's
  forward time from the event simulation at the worker's batch, its backward time that times
  its backward-to-forward MAC ratio (the transposed convolutions have the same shapes).
- **Communication** of the gradients (the parameters at `gradient_bits`) over the cluster's
  links, each transfer costing latency + hops x hop latency + bytes / bandwidth (+ a copy each
  way between GPU and host where the cluster stages through host memory):
  a **reduction tree** sums up a binary tree and broadcasts back down, 2 ceil(log2 p) steps of
  the whole gradient; a **ring** all-reduce moves 2 (p - 1) slices of 1/p of it; a **parameter
  server** receives all p gradients over its one link and sends p copies of the weights back,
  so its time grows with p. With `overlap`, each layer's gradients go out as soon as the
  backward pass has produced them (one message per layer, in backward order) while the
  backward pass goes on.

Speedup is images per second on p workers over images per second on one worker running the
whole batch (no communication); efficiency is speedup / p.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from accelsim.api import load_net, simulate
from accelsim.errors import AccelsimError, whole
from accelsim.hw.schema import Bandwidth, Duration
from accelsim.ir.engine import Engine
from accelsim.ir.network import INPUT, Layer, Network
from accelsim.limits import MAX_BATCH, MAX_WORKERS
from accelsim.load import beside, load_hw, load_yaml_mapping, resolve
from accelsim.strict import StrictModel

Algorithm = Literal["reduction_tree", "ring", "parameter_server"]
ALGORITHMS: tuple[Algorithm, ...] = ("reduction_tree", "ring", "parameter_server")
FP32_BYTES = 4  # training keeps weights, activations and their gradients in fp32
UPDATE_BYTES_PER_PARAM = 5 * FP32_BYTES  # SGD with momentum: read w, dw, v; write w, v


class Gpu(StrictModel):
    name: str
    peak_tflops: float = Field(gt=0, description="fp32 peak, TFLOP/s")
    memory_bandwidth: Bandwidth
    efficiency: float = Field(gt=0, le=1, description="achieved fraction of peak on DNN layers")
    source: str = ""


class Worker(StrictModel):
    """One worker: a GPU described by its figures, or a bundled (or YAML) accelsim chip."""

    gpu: Gpu | None = None
    chip: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Worker:
        if (self.gpu is None) == (self.chip is None):
            raise ValueError("give exactly one of 'gpu' or 'chip'")
        return self


class Interconnect(StrictModel):
    bandwidth: Bandwidth = Field(description="per node, each direction")
    latency: Duration = Field(description="per message, end to end")
    topology: Literal["switched", "torus3d"] = "switched"
    hop_latency: Duration = Field(0.0, description="per router hop (torus3d)")
    source: str = ""


class HostStaging(StrictModel):
    """GPUs without direct network access copy each message to host memory and back."""

    bandwidth: Bandwidth = Field(description="GPU <-> host copy bandwidth (PCIe)")
    source: str = ""


class ClusterSpec(StrictModel):
    name: str
    description: str = ""
    source: str = ""
    worker: Worker
    interconnect: Interconnect
    host_staging: HostStaging | None = None
    max_workers: int = Field(ge=1, le=MAX_WORKERS)


def load_cluster(cluster: str | Path | ClusterSpec) -> ClusterSpec:
    """A bundled cluster name or a cluster YAML file, validated."""
    if isinstance(cluster, ClusterSpec):
        return cluster
    path = resolve(cluster, "clusters", "cluster")
    data = load_yaml_mapping(path)
    spec = ClusterSpec.validated(data, str(path))
    if spec.worker.chip is not None:  # an unknown chip is an error now, not at the first point
        chip = beside(path, spec.worker.chip)
        spec = spec.model_copy(update={"worker": spec.worker.model_copy(update={"chip": chip})})
        try:
            load_hw(chip)
        except AccelsimError as exc:
            raise AccelsimError(f"{path}: field 'worker.chip': {exc}") from None
    return spec


# ---------------------------------------------------------------------------- the backward pass


@dataclass(frozen=True)
class LayerWork:
    """One layer's training work per image."""

    name: str
    params: int
    forward_macs: int
    backward_macs: int
    forward_vector_ops: int
    backward_vector_ops: int
    forward_activation_bytes: float  # fp32 inputs read and outputs written, per image
    backward_activation_bytes: float  # output gradients and inputs read, input gradients written
    forward_weight_bytes: float  # weights read, once per batch
    backward_weight_bytes: float  # weights read (for input gradients), weight gradients written


def backward_work(net: Network) -> list[LayerWork]:
    """Each layer's forward and backward work per image (module doc). A tensor carries a
    gradient when some layer at or before it has weights; a layer computes its input gradient
    only if an input carries one."""
    learns = {INPUT: False}
    work = []
    for layer in net.layers:
        input_grad = any(learns[src] for src in layer.inputs)
        learns[layer.name] = input_grad or layer.params > 0
        work.append(_layer_work(layer, input_grad))
    return work


def _layer_work(layer: Layer, input_grad: bool) -> LayerWork:
    if layer.engine == Engine.NONE:  # views move nothing, forward or back
        return LayerWork(layer.name, 0, 0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0)
    x, y, w = layer.input_elements, layer.output_elements, layer.params
    learns = input_grad or w > 0
    return LayerWork(
        layer.name,
        w,
        layer.macs,
        layer.macs * (1 + input_grad) if w else 0,
        layer.vector_ops,
        layer.vector_ops if input_grad else 0,
        (x + y) * FP32_BYTES,
        (y + x + (x if input_grad else 0)) * FP32_BYTES if learns else 0.0,
        w * FP32_BYTES,
        (w * input_grad + w) * FP32_BYTES,
    )


# ---------------------------------------------------------------------------- compute


@dataclass(frozen=True)
class Compute:
    """One worker's compute for one iteration at its share of the batch: per-layer backward
    times (in layer order) for overlapping communication."""

    forward_s: float
    backward_s: tuple[float, ...]
    update_s: float

    @property
    def total_s(self) -> float:
        return self.forward_s + sum(self.backward_s) + self.update_s


def gpu_compute(work: Sequence[LayerWork], gpu: Gpu, images: float) -> Compute:
    flops = gpu.peak_tflops * 1e12 * gpu.efficiency

    def seconds(macs: int, vector_ops: int, activation_bytes: float, weight_bytes: float) -> float:
        moved = activation_bytes * images + weight_bytes
        bandwidth: float = gpu.memory_bandwidth
        return max((2 * macs + vector_ops) * images / flops, moved / bandwidth)

    forward = sum(
        seconds(w.forward_macs, w.forward_vector_ops, w.forward_activation_bytes, w.forward_weight_bytes)
        for w in work
    )
    backward = tuple(
        seconds(w.backward_macs, w.backward_vector_ops, w.backward_activation_bytes, w.backward_weight_bytes)
        for w in work
    )
    return Compute(forward, backward, _update_s(work, gpu.memory_bandwidth))


def _update_s(work: Sequence[LayerWork], bandwidth: float) -> float:
    """SGD with momentum over every parameter, memory-bound."""
    return sum(w.params for w in work) * UPDATE_BYTES_PER_PARAM / bandwidth


def chip_compute(net: Network, work: Sequence[LayerWork], chip: str, images: float) -> Compute:
    batch = max(1, math.ceil(images))
    hw = load_hw(chip)
    result = simulate(net, hw, batch=batch)
    groups = result.batch // result.group_size  # the layers' spans are one group's (README "Batches")
    forward, backward = 0.0, []
    for w, layer in zip(work, result.layers, strict=True):  # spans: each layer's DMA and compute
        span = (layer.end_s - layer.start_s) * groups
        forward += span
        if w.forward_macs:
            backward.append(span * w.backward_macs / w.forward_macs)
        else:
            backward.append(span if w.backward_vector_ops else 0.0)
    scale = images / batch  # a fractional share is priced pro rata from the next whole batch
    update = _update_s(
        work, hw.main_memory.bandwidth_bytes_per_s or math.inf
    )  # the fp32 master weights in DRAM
    return Compute(forward * scale, tuple(b * scale for b in backward), update)


# ---------------------------------------------------------------------------- communication


def _hops(distance: int, workers: int, topology: str) -> int:
    """Router hops between ranks `distance` apart: 1 through a switch; on a 3D torus with the
    ranks laid out row-major in the smallest cube that holds them, the wrapped Manhattan distance."""
    if topology == "switched" or distance == 0:
        return 1 if distance else 0
    side = max(1, math.ceil(workers ** (1 / 3) - 1e-9))
    hops = 0
    for _ in range(3):
        step = distance % side
        hops += min(step, side - step)
        distance //= side
    return max(1, hops)


def transfer_s(nbytes: float, distance: int, workers: int, cluster: ClusterSpec) -> float:
    """One message of `nbytes` between ranks `distance` apart."""
    link = cluster.interconnect
    seconds: float = link.latency + _hops(distance, workers, link.topology) * link.hop_latency
    seconds += nbytes / link.bandwidth
    if cluster.host_staging is not None:  # GPU -> host before sending, host -> GPU after
        seconds += 2 * nbytes / cluster.host_staging.bandwidth
    return seconds


def allreduce_s(nbytes: float, workers: int, algorithm: Algorithm, cluster: ClusterSpec) -> float:
    """Combining `nbytes` of gradients from every worker and giving every worker the result."""
    if workers == 1 or nbytes == 0:
        return 0.0
    if algorithm == "reduction_tree":
        steps = math.ceil(math.log2(workers))
        return 2 * sum(transfer_s(nbytes, 2**k, workers, cluster) for k in range(steps))
    if algorithm == "ring":
        return 2 * (workers - 1) * transfer_s(nbytes / workers, 1, workers, cluster)
    # parameter server: all p gradients arrive over the server's one link, p copies leave it
    link = cluster.interconnect
    farthest = max(_hops(d, workers, link.topology) for d in range(1, workers))
    one_way: float = link.latency + farthest * link.hop_latency + workers * nbytes / link.bandwidth
    staging = 2 * nbytes / cluster.host_staging.bandwidth if cluster.host_staging else 0.0
    return 2 * one_way + staging


# ---------------------------------------------------------------------------- the sweep over workers


@dataclass(frozen=True)
class TrainPoint:
    workers: int
    images_per_worker: float
    compute_s: float  # forward + backward + update on one worker's share
    communication_s: float  # all gradient traffic of one iteration
    exposed_communication_s: float  # the part the backward pass does not hide
    iteration_s: float
    images_per_s: float
    speedup: float
    efficiency: float


@dataclass(frozen=True)
class TrainScaleResult:
    network: str
    cluster: str
    algorithm: Algorithm
    batch: int
    overlap: bool
    gradient_bytes: float
    forward_macs: int  # per image
    backward_macs: int
    points: tuple[TrainPoint, ...]

    @property
    def crossover_workers(self) -> int | None:
        """The fewest workers at which exposed communication outlasts compute, if any here."""
        return next((p.workers for p in self.points if p.exposed_communication_s > p.compute_s), None)

    def point(self, workers: int) -> TrainPoint:
        return next(p for p in self.points if p.workers == workers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "network": self.network,
            "cluster": self.cluster,
            "algorithm": self.algorithm,
            "batch": self.batch,
            "overlap": self.overlap,
            "gradient_bytes": self.gradient_bytes,
            "forward_macs_per_image": self.forward_macs,
            "backward_macs_per_image": self.backward_macs,
            "crossover_workers": self.crossover_workers,
            "points": [vars(p) for p in self.points],
        }


def _iteration(
    compute: Compute,
    nbytes_by_layer: Sequence[float],
    workers: int,
    algorithm: Algorithm,
    cluster: ClusterSpec,
    overlap: bool,
) -> tuple[float, float]:
    """(all communication, exposed communication) of one iteration, in seconds."""
    if not overlap:
        comm = allreduce_s(sum(nbytes_by_layer), workers, algorithm, cluster)
        return comm, comm
    # backward runs last layer first; each layer's gradients leave once it is done, one at a time
    t, channel, total = compute.forward_s, compute.forward_s, 0.0
    for seconds, nbytes in zip(reversed(compute.backward_s), reversed(nbytes_by_layer), strict=True):
        t += seconds
        if nbytes:
            comm = allreduce_s(nbytes, workers, algorithm, cluster)
            channel = max(channel, t) + comm
            total += comm
    exposed = max(0.0, channel - t)
    return total, exposed


def train_scale(
    net: str | Path | Network,
    cluster: str | Path | ClusterSpec,
    workers: Sequence[int] = (1, 2, 4, 8, 16, 32, 64, 128, 256),
    batch: int = 1024,
    algorithm: str = "reduction_tree",
    overlap: bool = False,
    gradient_bits: int = 32,
) -> TrainScaleResult:
    """Iteration time, speedup and efficiency of data-parallel training on 1..p workers."""
    if algorithm not in ALGORITHMS:
        raise AccelsimError(
            f"train-scale: unknown algorithm '{algorithm}'; expected one of {', '.join(ALGORITHMS)}"
        )

    if isinstance(workers, (str, bytes)) or not isinstance(workers, Sequence) or not workers:
        raise TypeError(f"train_scale: workers must be a non-empty list of worker counts, got {workers!r}")
    counts = sorted({whole(p, "train-scale: --workers", 1, MAX_WORKERS) for p in workers})
    whole(batch, "train-scale: --batch", 1, MAX_BATCH)
    whole(gradient_bits, "train-scale: gradient_bits", 1, 32)
    if not isinstance(overlap, bool):
        raise TypeError(f"train_scale: overlap must be True or False, got {overlap!r}")
    spec = load_cluster(cluster)
    network = load_net(net)
    if counts[-1] > spec.max_workers:
        raise AccelsimError(
            f"train-scale: {counts[-1]} workers, but cluster '{spec.name}' has {spec.max_workers}"
        )
    if batch < counts[-1]:
        raise AccelsimError(f"train-scale: --batch {batch} gives fewer images than the {counts[-1]} workers")
    work = backward_work(network)
    grads = [w.params * gradient_bits / 8 for w in work]

    def compute(images: float) -> Compute:
        if spec.worker.gpu is not None:
            return gpu_compute(work, spec.worker.gpu, images)
        assert spec.worker.chip is not None  # Worker's validator: a gpu or a chip
        return chip_compute(network, work, spec.worker.chip, images)

    shares = {p: compute(batch / p) for p in dict.fromkeys([1, *counts])}
    single = shares[1].total_s
    points = []
    for p in counts:
        c = shares[p]
        total, exposed = _iteration(c, grads, p, algorithm, spec, overlap)
        iteration = c.total_s + exposed
        speedup = single / iteration
        points.append(
            TrainPoint(
                p, batch / p, c.total_s, total, exposed, iteration, batch / iteration, speedup, speedup / p
            )
        )
    return TrainScaleResult(
        network.name,
        spec.name,
        algorithm,
        batch,
        overlap,
        sum(grads),
        sum(w.forward_macs for w in work),
        sum(w.backward_macs for w in work),
        tuple(points),
    )
