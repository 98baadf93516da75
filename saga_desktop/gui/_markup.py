"""Building HTML and SVG from values that may come from anywhere (an imported run file).

Every value put into markup goes through :func:`markup`, which escapes it
unless it is :class:`Markup` already (a piece this module built): escaping is
the default, and forgetting it is not possible. The report and the timeline's
SVG are built with it and nothing else.
"""

from __future__ import annotations

import html
import string
from collections.abc import Iterable
from typing import Any

__all__ = ["CONTENT_SECURITY_POLICY", "Markup", "join", "markup"]

#: What a page may load: images from data: URLs and inline styles, nothing else;
#: no script at all, whatever ends up in the page.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'"
)


class Markup(str):
    """Text that is markup already: :func:`markup` puts it in as it is."""

    __slots__ = ()


class _Escaping(string.Formatter):
    # A field is formatted with its spec first ("{:,.2f}"), then escaped; a Markup
    # value is the only one put in unchanged.
    def format_field(self, value: Any, format_spec: str) -> str:
        if isinstance(value, Markup):
            return str(value)
        return html.escape(format(value, format_spec), quote=True)


_FORMATTER = _Escaping()


def markup(template: str, /, *args: object, **kwargs: object) -> Markup:
    """Fill ``template`` (``str.format`` syntax) with escaped values.

    Parameters
    ----------
    template
        Markup written in this program, never text from outside.
    *args, **kwargs
        The values: each is formatted with its field's spec, then escaped
        (``<`` ``>`` ``&`` and both quotes), unless it is :class:`Markup`.

    Returns
    -------
    Markup
        The filled template.
    """
    return Markup(_FORMATTER.format(template, *args, **kwargs))


def join(parts: Iterable[Markup], separator: str = "") -> Markup:
    """Join pieces of markup (``separator`` is markup written in this program)."""
    return Markup(separator.join(parts))
