"""The booking package loads its submodules on first use, and still offers every name."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import saga_desktop.booking as booking


def _module_of() -> dict[str, str]:
    """The submodule of each public name, as the package declares it (each name once)."""
    homes = [(name, module) for module, names in booking._SUBMODULES.items() for name in names]
    assert len(homes) == len(dict(homes)), "a name is declared in two submodules"
    return dict(homes)


def test_every_public_name_has_a_home_and_nothing_else_does() -> None:
    assert set(_module_of()) == set(booking.__all__)


@pytest.mark.parametrize("name", booking.__all__)
def test_every_public_name_resolves_to_its_submodule_object(name: str) -> None:
    value = getattr(booking, name)
    module = sys.modules[f"saga_desktop.booking.{_module_of()[name]}"]
    assert value is getattr(module, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = booking.no_such_thing  # type: ignore[attr-defined]


def test_dir_lists_the_public_names() -> None:
    assert set(booking.__all__) <= set(dir(booking))


def test_importing_the_package_loads_no_submodule() -> None:
    code = (
        "import sys, saga_desktop.booking\n"
        "print(sorted(m for m in sys.modules if m.startswith('saga_desktop.booking.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_the_command_line_loads_no_saga_machinery_until_a_command_runs() -> None:
    # The window's start (saga-desktop with no command) must not pay for these.
    code = (
        "import json, sys, saga_desktop.cli\n"
        "print(json.dumps([m for m in sys.modules if m.startswith('saga_desktop.booking.')]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(json.loads(out))
    assert not loaded & {
        "saga_desktop.booking._api",
        "saga_desktop.booking._batch",
        "saga_desktop.booking._runfile",
        "saga_desktop.booking._scenarios",
        "saga_desktop.booking._captions",
    }
