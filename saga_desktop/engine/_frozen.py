"""A faster ``__init__`` for the engine's frozen, slotted dataclasses.

A frozen dataclass's generated ``__init__`` stores each field through
``object.__setattr__(self, name, value)``, looking the name up every time. The
engine builds about eleven events per watched saga (contexts and results are
named tuples now), so that lookup was a fifth of a saga's cost. The ``__init__`` made here
stores each field straight through its slot's descriptor instead: same
parameters, same defaults, same frozen instances, about half the time.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from typing import Any, TypeVar

__all__ = ["fast_frozen_init"]

_T = TypeVar("_T")


def _slot_setter(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        descriptor = klass.__dict__.get(name)
        if descriptor is not None:
            return (
                descriptor.__set__ if isinstance(descriptor, types.MemberDescriptorType) else None
            )
    return None


def fast_frozen_init(cls: type[_T]) -> type[_T]:
    """Give the frozen, slotted dataclass ``cls`` a faster, equivalent ``__init__``.

    Only plain classes are changed: every field positional-or-keyword, in the
    generated ``__init__``'s order, with no default factory, no ``InitVar`` and
    no ``__post_init__``. Any other class is returned as it is.

    Parameters
    ----------
    cls
        A class made by ``@dataclass(frozen=True, slots=True)``.

    Returns
    -------
    type
        ``cls`` itself.
    """
    params = dataclasses.fields(cls)  # type: ignore[arg-type]
    original = cls.__init__
    signature = inspect.signature(original)
    expected = ["self", *(field.name for field in params)]
    if (
        list(signature.parameters) != expected
        or any(p.kind is not p.POSITIONAL_OR_KEYWORD for p in signature.parameters.values())
        or any(field.default_factory is not dataclasses.MISSING for field in params)
        or hasattr(cls, "__post_init__")
    ):
        return cls
    namespace: dict[str, Any] = {}
    arguments, body = [], []
    for number, field in enumerate(params):
        setter = _slot_setter(cls, field.name)
        if setter is None:
            return cls
        namespace[f"_set{number}"] = setter
        if field.default is dataclasses.MISSING:
            arguments.append(field.name)
        else:
            namespace[f"_default{number}"] = field.default
            arguments.append(f"{field.name}=_default{number}")
        body.append(f"    _set{number}(self, {field.name})")
    source = f"def __init__(self, {', '.join(arguments)}):\n" + "\n".join(body or ["    pass"])
    # Field names are identifiers checked by dataclasses: the source is ours alone.
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = original.__doc__
    init.__annotations__ = dict(getattr(original, "__annotations__", {}))
    cls.__init__ = init  # type: ignore[method-assign]
    return cls
