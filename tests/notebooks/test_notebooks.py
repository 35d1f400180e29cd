"""Every notebook in notebooks/ runs top to bottom without a cell error."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def run_notebook(path: Path) -> nbformat.NotebookNode:
    """Return the notebook at `path` after executing it with this interpreter's kernel."""
    notebook: nbformat.NotebookNode = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    # One extra cell reports which interpreter the kernel ran in.
    probe = nbformat.v4.new_code_cell("import sys; print(sys.executable)")  # type: ignore[no-untyped-call]
    notebook.cells.append(probe)
    # "python3" is ipykernel's spec; its argv starts with `python`, which jupyter_client
    # replaces with sys.executable, so the kernel runs in this virtual environment.
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()  # raises CellExecutionError at the first failing cell
    return notebook


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, models_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The kernel inherits this environment: the same models folder and source tree.
    monkeypatch.setenv("BAOBAB_MODELS_DIR", str(models_dir))
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    notebook = run_notebook(path)
    kernel_python = notebook.cells[-1].outputs[0]["text"].strip()
    assert kernel_python == sys.executable


def test_text_classifier_notebook_exists() -> None:
    assert ROOT / "notebooks" / "text_classifier.ipynb" in NOTEBOOKS


@pytest.mark.parametrize("name", ["intents_and_faq", "entities", "language_and_affect"])
def test_model_family_notebook_exists(name: str) -> None:
    assert ROOT / "notebooks" / f"{name}.ipynb" in NOTEBOOKS
