"""The base of every model read from a user's file (chips, compression specs, sweep specs,
trends): unknown fields are refused (errors.validation_message names the closest field) and
the values are frozen once validated."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
