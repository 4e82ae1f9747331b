"""`accelsim compress`: a network's stored size at each stage of compression, against 32-bit
AlexNet (the seed talk's yardstick), and how long an over-the-air update would take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from accelsim.api import load_net
from accelsim.ir.network import Network
from accelsim.transform.compress import CompressedModel, CompressionSpec, compress


@dataclass(frozen=True)
class CompressionReport:
    network: Network
    spec: CompressionSpec
    model: CompressedModel
    alexnet_fp32_bytes: float
    link_bytes_per_s: float | None

    @property
    def ratio_vs_alexnet_fp32(self) -> float:
        return self.alexnet_fp32_bytes / self.model.coded

    @property
    def download_s(self) -> float | None:
        return self.model.coded / self.link_bytes_per_s if self.link_bytes_per_s else None

    def to_dict(self) -> dict[str, Any]:
        """The `compress --json` document."""
        data = self.model.to_dict()
        data["ratio_vs_alexnet_fp32"] = self.ratio_vs_alexnet_fp32
        if self.link_bytes_per_s:
            data["link_bytes_per_s"] = self.link_bytes_per_s
            data["download_s"] = self.download_s
        return data


def compression_report(
    network: Network,
    spec: CompressionSpec,
    weights: dict[str, Any] | None = None,
    link_bytes_per_s: float | None = None,
) -> CompressionReport:
    model = compress(network, spec, weights=weights)
    return CompressionReport(network, spec, model, load_net("alexnet").weight_bytes(32), link_bytes_per_s)
