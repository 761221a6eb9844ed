"""docs/architecture.md's "What may import what" table is the source of the import-linter contracts."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "importlinter_contracts", ROOT / "tools" / "importlinter_contracts.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_contracts_are_the_ones_the_architecture_table_generates() -> None:
    committed = (ROOT / ".importlinter").read_text(encoding="utf-8")
    assert committed == _generator().generate(), (
        "docs/architecture.md's table and .importlinter differ: "
        "run `uv run python tools/importlinter_contracts.py --write` and commit both"
    )


def test_every_installed_madoguchi_app_has_a_row_in_the_table() -> None:
    from django.apps import apps

    table = _generator().parse_table((ROOT / "docs" / "architecture.md").read_text(encoding="utf-8"))
    installed = {c.name.split(".")[1] for c in apps.get_app_configs() if c.name.startswith("madoguchi.")}
    assert installed <= set(table), f"apps missing from the table: {sorted(installed - set(table))}"


def test_a_row_naming_an_unknown_app_is_refused() -> None:
    text = "## What may import what\n| app | may import | what for |\n|---|---|---|\n| `calls` | `lib`, `nowhere` | |\n"
    with pytest.raises(ValueError, match="nowhere"):
        _generator().parse_table(text)


def test_an_app_may_import_only_what_its_row_names() -> None:
    text = (
        "## What may import what\n| app | may import | x |\n|---|---|---|\n"
        "| `lib` | — | |\n| `calls` | `lib`, `faq.search` | |\n| `faq` | `lib` | |\n| `floor` | `lib` | |\n"
    )
    generator = _generator()
    contracts = generator.contracts(generator.parse_table(text))
    calls = contracts.split("[importlinter:contract:calls]")[1].split("[importlinter:contract:")[0]
    assert "    madoguchi.floor" in calls
    assert "madoguchi.faq\n" not in calls
    faq = contracts.split("[importlinter:contract:faq]")[1].split("[importlinter:contract:")[0]
    assert "    madoguchi.calls" in faq and "    madoguchi.floor" in faq
