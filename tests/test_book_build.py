"""The book builds strictly (warnings are errors, nitpicky references) and contains every chapter."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = Path(sys.executable).with_name("jupyter-book")
PAGES = ["book/intro", "book/notation", "notebooks/01_ctc_revisited", "notebooks/02_soft_dtw_revisited",
         "notebooks/03_from_ctc_to_sdtw", "notebooks/04_ddtw", "notebooks/05_label_probabilities_and_costs",
         "notebooks/06_making_it_fast"]


@pytest.mark.skipif(not JUPYTER_BOOK.exists() and shutil.which("jupyter-book") is None,
                    reason="jupyter-book is not installed")
def test_book_builds_without_warnings(tmp_path):
    exe = str(JUPYTER_BOOK) if JUPYTER_BOOK.exists() else shutil.which("jupyter-book")
    run = subprocess.run([exe, "build", str(ROOT), "--path-output", str(tmp_path), "-W", "-n", "--keep-going"],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    log = run.stdout + run.stderr
    assert run.returncode == 0, f"jupyter-book build failed:\n{log[-8000:]}"
    assert "build succeeded" in log
    html = tmp_path / "_build" / "html"
    for page in PAGES:
        assert (html / f"{page}.html").is_file(), f"missing page {page}.html"
    chapter = (html / "notebooks" / "01_ctc_revisited.html").read_text()
    assert "sd-dropdown" in chapter                   # the exercise solution is a collapsed dropdown
    for page in PAGES[2:]:                            # every chapter has its dropdown solution
        assert "sd-dropdown" in (html / f"{page}.html").read_text(), f"no dropdown solution in {page}"
