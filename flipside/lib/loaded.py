"""A model instance from some of its columns, read by plain SQL alongside another model's row.

Plain SQL (decisions 0007, 0010) saves the ORM's compiling, but ``raw()`` returns one model:
a related object read in the same query is built here, with the columns the query read and
the others deferred, so asking for one of those loads it rather than giving a wrong default.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def partial(model: type[M], values: Mapping[str, Any], *, using: str = "default") -> M:
    """An instance of ``model`` as loaded from the database with these columns (by attname:
    ``scheme_id``, not ``scheme``); every column not given is deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    unknown = set(values) - set(names)
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(sorted(unknown))}")
    # from_db takes the values in the model's field order.
    return model.from_db(using, names, [values[n] for n in names])
