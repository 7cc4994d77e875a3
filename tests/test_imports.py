"""Every module of the shipped packages imports, and every third-party package they import is
declared: pinned in requirements.txt and unpinned in setup.cfg's install_requires. A package
missing from a fresh virtualenv fails here by name, not in a user's first command."""

from __future__ import annotations

import configparser
import importlib
import pkgutil
import re
import sys
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from tests.test_architecture import imported_top_modules

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "geo", "layers", "etl")
# the project's own top-level names: its packages, the `cli` module, the tests and Alembic's
OWN = {*PACKAGES, "cli", "migrations", "tests"}


def shipped_modules() -> list[str]:
    names = ["cli"]
    for package in PACKAGES:
        names.append(package)
        module = importlib.import_module(package)
        names += [m.name for m in pkgutil.walk_packages(module.__path__, prefix=f"{package}.")]
    return sorted(names)


@pytest.mark.parametrize("name", shipped_modules())
def test_module_imports(name: str) -> None:
    importlib.import_module(name)


def _requirement_names(lines: list[str]) -> set[str]:
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(_canonical(re.split(r"[<>=!~\[ ;@]", line, maxsplit=1)[0]))
    return names


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def runtime_requirements() -> set[str]:
    """requirements.txt up to its "tests and tooling" part: the packages the code runs on."""
    text = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    runtime = text.split("# tests and tooling", 1)[0]
    assert all("==" in line for line in _lines(runtime)), "pin every runtime requirement"
    return _requirement_names(_lines(runtime))


def _lines(text: str) -> list[str]:
    return [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]


def install_requires() -> set[str]:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg", encoding="utf-8")
    return _requirement_names(cfg["options"]["install_requires"].splitlines())


def third_party_imports() -> dict[str, str]:
    """top-level module -> a file importing it, over the shipped code (migrations included)."""
    found: dict[str, str] = {}
    paths = [ROOT / "cli.py"]
    for package in (*PACKAGES, "migrations"):
        paths += sorted((ROOT / package).rglob("*.py"))
    for path in paths:
        for name in imported_top_modules(path):
            if name not in sys.stdlib_module_names and name not in OWN and name != "__future__":
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def test_setup_cfg_and_requirements_name_the_same_runtime_packages() -> None:
    assert install_requires() == runtime_requirements()


def test_every_imported_package_is_a_runtime_requirement() -> None:
    distributions = packages_distributions()
    declared = runtime_requirements()
    missing = []
    for module, where in sorted(third_party_imports().items()):
        dists = {_canonical(d) for d in distributions.get(module, [module])}
        if not dists & declared:
            missing.append(f"{module} (imported in {where}; distribution {sorted(dists)})")
    assert not missing, "not in requirements.txt's runtime part:\n" + "\n".join(missing)


def test_the_requirement_check_catches_a_missing_package(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import scipy.spatial\nimport json\nfrom app import x\n", encoding="utf-8")
    names = {n for n in imported_top_modules(module) if n not in sys.stdlib_module_names | OWN}
    assert names == {"scipy"}
    assert _requirement_names(["scipy==1.0  # pinned", "-e .", "psycopg[binary]==3"]) == {
        "scipy",
        "psycopg",
    }
