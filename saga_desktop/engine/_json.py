"""JSON text for the saga log and the participants' records, written fast.

``json.JSONEncoder.encode`` builds a new C encoder for every call: for the
small objects a saga writes (a dozen events and a few results), that setup cost
more than the encoding. :func:`compact_encoder` builds it once. Events get an
encoder of their own (:func:`event_encoder`), generated per event class, that
writes each field with the one call its type needs. Both give exactly the text
``json.dumps`` gives, so what older code wrote and reads stays the same.
"""

from __future__ import annotations

import dataclasses
import json
import json.encoder
from collections.abc import Callable
from typing import Any

__all__ = ["compact_encoder", "event_encoder"]


def compact_encoder(*, ensure_ascii: bool) -> Callable[[Any], str]:
    """Return a function giving ``json.dumps(value, ensure_ascii=ensure_ascii)``'s text.

    Parameters
    ----------
    ensure_ascii
        Escape every non-ASCII character, as ``json.dumps`` does by default.

    Returns
    -------
    callable
        Value → JSON text. Values hold plain data, never a cycle: the check for
        one is skipped (a cycle ends in ``RecursionError``).
    """
    encoder = json.JSONEncoder(ensure_ascii=ensure_ascii, check_circular=False)
    # Not in the stubs, and None where the interpreter has no _json accelerator.
    make = getattr(json.encoder, "c_make_encoder", None)
    if make is None:
        return encoder.encode
    chunks = make(
        None,
        encoder.default,
        json.encoder.encode_basestring_ascii if ensure_ascii else json.encoder.encode_basestring,
        None,
        encoder.key_separator,
        encoder.item_separator,
        encoder.sort_keys,
        encoder.skipkeys,
        encoder.allow_nan,
    )

    def encode(value: Any) -> str:
        return "".join(chunks(value, 0))

    return encode


# The text of one field's value, by the field's declared type. Each checks the
# value's exact type first: anything else (a bool in an int field, NaN, a
# subclass) is written by the general encoder, as json.dumps would write it.
_FIELD_TEXT = {
    "str": "(_str(v{n}) if v{n}.__class__ is str else _any(v{n}))",
    "int": "(_int(v{n}) if v{n}.__class__ is int else _any(v{n}))",
    "float": "(_float(v{n}) if v{n}.__class__ is float and v{n} - v{n} == 0.0 else _any(v{n}))",
    "bool": "(_true if v{n} is True else _false if v{n} is False else _any(v{n}))",
}


def event_encoder(cls: type[Any]) -> Callable[[Any], str]:
    """Return the encoder of the event dataclass ``cls``.

    It gives the text of ``json.dumps(event_to_dict(event), ensure_ascii=False)``:
    ``{"type": <class name>, <each field, in order>}``, tuples as lists.

    Parameters
    ----------
    cls
        A dataclass whose field names are identifiers (as every dataclass's are).

    Returns
    -------
    callable
        Event of class ``cls`` → JSON text.
    """
    string = json.encoder.encode_basestring
    namespace: dict[str, Any] = {
        "_str": string,
        "_int": int.__repr__,
        "_float": float.__repr__,
        "_any": compact_encoder(ensure_ascii=False),
        "_true": "true",
        "_false": "false",
    }
    fields = dataclasses.fields(cls)
    reads, parts = [], []
    for n, field in enumerate(fields):
        reads.append(f"    v{n} = event.{field.name}")
        value = _FIELD_TEXT.get(str(field.type), "_any(v{n})").format(n=n)
        # The key's text is known now (an identifier: no brace to double for the f-string).
        parts.append(f"{string(field.name)}: {{{value}}}")
    head = string("type") + ": " + string(cls.__name__)
    body = ", ".join([head, *parts])
    # Class and field names are identifiers (dataclasses checks them): the source is ours.
    source = "def encode(event):\n" + "\n".join(reads) + f"\n    return f'{{{{{body}}}}}'\n"
    exec(source, namespace)
    encode: Callable[[Any], str] = namespace["encode"]
    return encode
