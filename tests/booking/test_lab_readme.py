"""The README's verdict table is what the lessons' runs say, not what anyone wrote."""

from __future__ import annotations

from pathlib import Path

from saga_desktop.booking.lab import verdict_table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_verdict_table_is_generated_from_the_runs() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- lab-verdicts:start -->\n") + len("<!-- lab-verdicts:start -->\n")
    end = text.index("<!-- lab-verdicts:end -->")
    assert text[start:end] == verdict_table()
