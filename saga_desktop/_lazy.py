"""Lazy package exports (PEP 562): a name's submodule is imported on first use.

The window imports a handful of names from ``saga_desktop.engine`` and
``saga_desktop.booking`` at start-up; importing every submodule there would cost
a tenth of the start. Both packages declare which submodule holds each public
name and get their module ``__getattr__`` and ``__dir__`` from here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    submodules: Mapping[str, Iterable[str]],
    namespace: MutableMapping[str, Any],
    public: Iterable[str],
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return a package's module ``__getattr__`` and ``__dir__``.

    Parameters
    ----------
    package
        The package's ``__name__``.
    submodules
        The names each submodule (relative, ``"_store"``) exports.
    namespace
        The package's ``globals()``: a name, once imported, is stored there so
        that later look-ups skip ``__getattr__``.
    public
        The package's ``__all__``.

    Returns
    -------
    tuple
        ``(__getattr__, __dir__)``.
    """
    module_of = {name: module for module, names in submodules.items() for name in names}
    listed = tuple(public)

    def getattr_(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *listed})  # a name once loaded is in both

    return getattr_, dir_
