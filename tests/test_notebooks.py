"""The chapter notebooks run top to bottom in smoke mode and reproduce their checked outputs (nbval).

nbval runs in a subprocess so that the notebooks' kernels and the notebook-only options stay out of
the main test session. Only cells marked ``# NBVAL_CHECK_OUTPUT`` are compared (``--nbval-lax``);
every other cell must merely run without an error, which includes its ``assert`` checks.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_chapter_notebooks():
    assert [p.name for p in NOTEBOOKS][:6] == ["01_ctc_revisited.ipynb", "02_soft_dtw_revisited.ipynb",
                                               "03_from_ctc_to_sdtw.ipynb", "04_ddtw.ipynb",
                                               "05_label_probabilities_and_costs.ipynb",
                                               "06_making_it_fast.ipynb"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_passes_nbval_in_smoke_mode(notebook):
    env = dict(os.environ, DDTW_EDU_SMOKE="1", MPLBACKEND="Agg")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
               "--nbval-sanitize-with", str(ROOT / "tests" / "nbval-sanitize.cfg"), str(notebook)]
    run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"nbval failed for {notebook.name}:\n{run.stdout[-6000:]}\n{run.stderr[-2000:]}"
