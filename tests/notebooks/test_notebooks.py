"""The analyst's notebooks run top to bottom (nbclient on ipykernel) against `sharemap serve`
over an embedded store loaded from the real files; a cell that raises fails the test.
`sharemap audit` on the same store, as a steward runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from layers.store import embedded_dir
from tests.app.conftest import CLI, sharemap_serve, store_env

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.fixture(scope="module")
def data_dir(loaded_dir: tuple[Path, list], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An embedded store with every layer loaded from the real files: a copy of the session's
    (the first notebook loads a layer again, and the session's store is only read)."""
    directory = tmp_path_factory.mktemp("notebook-data")
    shutil.copytree(embedded_dir(loaded_dir[0]), embedded_dir(directory))
    return directory


def _env(directory: Path) -> dict[str, str]:
    return store_env({"SHAREMAP_DATA_DIR": str(directory)})


@pytest.fixture(scope="module")
def server(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("notebook-serve") / "serve.log"
    with sharemap_serve(_env(data_dir), log, workers=1) as (_, url):
        yield url


def test_the_notebooks_are_stored_without_outputs() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_load_and_explore.ipynb",
        "02_near_me.ipynb",
        "03_data_quality.ipynb",
    ]
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        first = nb.cells[0].source
        assert "SHAREMAP_API_URL" in first and "http://127.0.0.1:8000" in first
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom(
    path: Path, server: str, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the kernel inherits the environment: the notebook's first cell reads it
    for key, value in {**_env(data_dir), "SHAREMAP_API_URL": server}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(data_dir)}}
    )
    client.execute()  # raises CellExecutionError when a cell raises
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    shown = json.dumps([o.get("data", {}) for o in outputs])
    assert "image/png" in shown or "folium" in shown


def test_sharemap_audit_on_the_real_files(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "audit.json"
    done = subprocess.run(
        [*CLI, "audit", "--format", "json", "--out", str(out)],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    layers = {layer["layer"]: layer for layer in doc["layers"]}
    assert layers["public_toilets"]["duplicates_merged"] > 1000  # kept with the version
    assert layers["cooling_shelters"]["checks"]["hours_unparsed"] > 0
    md = subprocess.run(
        [*CLI, "audit", "--layer", "campsites", "--sido", "강원"],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert md.returncode == 0 and "| 1 | 강원도 |" in md.stdout, md.stderr
    for bad in (["--sido", "평양"], ["--layer", "regions"], ["--layer", "nope"], ["--format", "x"]):
        proc = subprocess.run(
            [*CLI, "audit", *bad], env=_env(data_dir), capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
