"""Renamed parameters keep working for a while, with a warning that names the new name and the
release that removes the old one (modelled on pandas' ``deprecate_kwarg``).

>>> import warnings
>>> @deprecate_kwarg("doc_type", "doc_types")
... def shares(corpus=None, *, doc_types=None):
...     return doc_types
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     shares(doc_type="工作要点")
'工作要点'
>>> print(caught[0].message)
shares(): the keyword doc_type is deprecated and will be removed in kexie-compare 0.3.0; use doc_types
"""
from __future__ import annotations

import functools
import sys
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["REMOVAL", "deprecate_kwarg", "warn_deprecated"]

#: the release that removes the names deprecated in this one
REMOVAL = "0.3.0"

F = TypeVar("F", bound=Callable[..., Any])


def warn_deprecated(what: str, instead: str, *, removal: str = REMOVAL) -> None:
    """A FutureWarning (shown to analysts by default, as pandas does): `what` is deprecated and will be
    removed in `removal`; use `instead`. The warning points at the analyst's line: the first caller
    outside compare's own wrappers."""
    warnings.warn(f"{what} is deprecated and will be removed in kexie-compare {removal}; use {instead}",
                  FutureWarning, stacklevel=_caller_level())


def _caller_level() -> int:
    """The stacklevel (for warnings.warn called one frame up) of the first frame outside the
    compare package's deprecation wrappers."""
    frame, level = sys._getframe(2), 2  # warn_deprecated's caller
    while frame is not None and frame.f_code.co_name in ("wrapper", "warn_deprecated") and \
            frame.f_globals.get("__name__", "").startswith("compare."):
        frame, level = frame.f_back, level + 1
    return level


def deprecate_kwarg(old: str, new: str, *, removal: str = REMOVAL,
                    mapping: Callable[[Any], Any] | None = None) -> Callable[[F], F]:
    """Accept the keyword `old` as `new` (through `mapping` when given), with a FutureWarning saying
    so. Giving both is a TypeError. Stack the decorator for several renamed keywords."""

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if old in kwargs:
                value = kwargs.pop(old)
                if new in kwargs:
                    raise TypeError(f"{func.__name__}() got both {old} (deprecated) and {new}; give only {new}")
                warn_deprecated(f"{func.__name__}(): the keyword {old}", new, removal=removal)
                kwargs[new] = mapping(value) if mapping is not None else value
            return func(*args, **kwargs)

        deprecated = getattr(wrapper, "_deprecated_kwargs", {})  # an inner decorator's renames
        wrapper._deprecated_kwargs = {**deprecated, old: new}  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
