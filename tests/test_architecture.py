"""The house rules that a test can check: import direction, documented settings."""

from __future__ import annotations

import ast
import re
from dataclasses import fields
from pathlib import Path

import pytest

from layers.config import Config

ROOT = Path(__file__).resolve().parents[1]

# package -> top-level modules it must never import
FORBIDDEN = {
    "geo": {"app", "etl", "layers", "flask", "sqlalchemy", "geoalchemy2", "psycopg", "cli"},
    "layers": {"app", "etl", "flask", "cli"},
    "etl": {"app", "flask", "cli"},
    "app": {"etl", "cli"},
}


def imported_top_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_import_direction(package: str) -> None:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        hits = imported_top_modules(path) & FORBIDDEN[package]
        if hits:
            bad.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(hits))}")
    assert not bad, "\n".join(bad)


def test_import_checker_catches_a_violation(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import os\nfrom etl.load import x\nfrom . import sibling\n", encoding="utf-8"
    )
    assert imported_top_modules(module) == {"os", "etl"}


def test_readme_documents_every_setting() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", section, flags=re.M))
    assert documented == {f.name for f in fields(Config)}


def test_config_reads_typed_values_from_env() -> None:
    cfg = Config.from_env({"SHAREMAP_PARKING_RADIUS_M": "500", "DATABASE_URL": "postgresql://x/y"})
    assert cfg.SHAREMAP_PARKING_RADIUS_M == 500.0
    assert cfg.DATABASE_URL == "postgresql://x/y"
    assert Config.from_env({}).DATABASE_URL is None
