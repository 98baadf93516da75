"""The engine package loads its submodules on first use, and still offers every name."""

from __future__ import annotations

import subprocess
import sys

import pytest

import saga_desktop.engine as engine


def _module_of() -> dict[str, str]:
    """The submodule of each public name, as the package declares it (each name once)."""
    homes = [(name, module) for module, names in engine._SUBMODULES.items() for name in names]
    assert len(homes) == len(dict(homes)), "a name is declared in two submodules"
    return dict(homes)


def test_every_public_name_has_a_home_and_nothing_else_does() -> None:
    assert set(_module_of()) == set(engine.__all__)


@pytest.mark.parametrize("name", engine.__all__)
def test_every_public_name_resolves_to_its_submodule_object(name: str) -> None:
    value = getattr(engine, name)
    module = sys.modules[f"saga_desktop.engine.{_module_of()[name]}"]
    assert value is getattr(module, name)


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_thing"):
        _ = engine.no_such_thing  # type: ignore[attr-defined]


def test_dir_lists_the_public_names() -> None:
    assert set(engine.__all__) <= set(dir(engine))


def test_dir_lists_a_loaded_name_once() -> None:
    _ = engine.SagaLog  # loaded: now in the package's namespace too

    names = dir(engine)
    assert names.count("SagaLog") == 1
    assert len(names) == len(set(names))


def test_importing_the_package_loads_no_submodule() -> None:
    code = (
        "import sys, saga_desktop.engine\n"
        "print(sorted(m for m in sys.modules if m.startswith('saga_desktop.engine.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
