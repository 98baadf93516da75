"""The README's example of the engine on its own runs and prints what it says it prints."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def _example() -> str:
    section = README.read_text(encoding="utf-8").split("### The engine on its own", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the section has a Python example"
    return match.group(1)


def test_the_engine_example_prints_what_its_comments_say():
    code = _example()
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})

    first, second = printed.getvalue().splitlines()
    assert first == "COMPENSATED PROCESS_PAYMENT card declined"
    # The comment under the second print lists the events, over two lines.
    listed = code.split("print([type(event)", 1)[1]
    names = re.findall(r"'(\w+)'", listed)
    assert second == repr(names)
    assert len(names) == 9
