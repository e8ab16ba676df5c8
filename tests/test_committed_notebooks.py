"""The committed chapter notebooks carry full-mode outputs, as the online book shows them.

GitHub and Colab show a notebook's stored outputs before anything runs. Only
``make notebooks`` (``book/execute_notebooks.py``) writes them: it refuses smoke
mode and stamps each notebook with a digest of its code cells and outputs. A
notebook executed any other way (for instance in smoke mode, or by an editor),
or edited after its last execution, no longer matches its stamp.
"""
import importlib.util
import json
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
SMOKE_TRACES = ("smoke mode", "-tiny-seed", "'data_size': 'tiny'")


def load_executor():
    spec = importlib.util.spec_from_file_location("execute_notebooks", ROOT / "book" / "execute_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


executor = load_executor()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_carries_its_full_mode_outputs(path):
    nb = nbformat.read(path, as_version=4)
    stamp = nb.metadata.get(executor.STAMP_KEY)
    hint = f"run `make notebooks NOTEBOOKS={path.relative_to(ROOT)}` and commit the result"
    assert stamp is not None, f"{path.name} was not executed by book/execute_notebooks.py: {hint}"
    assert stamp["outputs"] == "full"
    assert stamp["digest"] == executor.outputs_digest(nb), \
        f"{path.name} changed since book/execute_notebooks.py ran it (code or outputs): {hint}"

    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    counts = [cell.execution_count for cell in code]
    assert counts == list(range(1, len(code) + 1)), f"{path.name}: not every code cell ran, in order: {counts}"
    for index, cell in enumerate(code):
        for output in cell.outputs:
            assert output.output_type != "error", f"{path.name}, code cell {index}: stored error output"
            text = json.dumps(output)
            found = [trace for trace in SMOKE_TRACES if trace in text]
            assert not found, f"{path.name}, code cell {index}: smoke-mode output ({found})"


def test_digest_notices_a_changed_output():
    """The stamp check could fail: changing one character of a stored output changes the digest."""
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    before = executor.outputs_digest(nb)
    cell = next(c for c in nb.cells if c.cell_type == "code" and c.outputs and "text" in c.outputs[0])
    cell.outputs[0]["text"] += "x"
    assert executor.outputs_digest(nb) != before


def test_executor_refuses_smoke_mode(monkeypatch, capsys):
    monkeypatch.setenv("DDTW_EDU_SMOKE", "1")
    with pytest.raises(SystemExit):
        executor.main([str(NOTEBOOKS[0])])
    assert "smoke-mode outputs must never be written" in capsys.readouterr().err
