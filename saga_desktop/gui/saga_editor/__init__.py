"""The saga editor (File > New saga...): a saga file written in tables, checked as you type."""

from __future__ import annotations

__all__: list[str] = []
