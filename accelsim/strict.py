"""The base of every model read from a user's file (chips, compression specs, sweep specs,
trends, clusters): unknown fields are refused; numbers are numbers (`rows: true` is not 1,
`rows: 32.5` not 32) and finite (NaN and infinity are refused); the values are frozen once
validated; and
`validated` turns every problem into one AccelsimError line (errors.validation_message names
the file, line, field and closest valid name)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from accelsim.errors import AccelsimError, validation_message

Model = TypeVar("Model", bound="StrictModel")


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @classmethod
    def validated(cls: type[Model], data: Any, source: str, context: dict[str, Any] | None = None) -> Model:
        """`data` (as read from `source`) as this model, or one AccelsimError listing every problem.
        `context` reaches the model's validators (a sweep's point limit)."""
        try:
            return cls.model_validate(data, context=context)
        except ValidationError as exc:
            raise AccelsimError(validation_message(exc, data, source, cls)) from None
