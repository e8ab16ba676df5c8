"""Test setup: the CUDA simulator switch, and the book built once per test session.

The "cuda" backend runs in Numba's CUDA simulator where no NVIDIA GPU is present.
The simulator switch is read when Numba is first imported, and pytest imports
this file before any test module, so it is set here. On a real GPU it is left
alone (the simulator would hide the device); the library never sets it.

``built_book`` builds the Jupyter Book once (a couple of minutes) for every test
that needs the HTML: the strict-build test and the browser test.
"""
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

if shutil.which("nvidia-smi") is None and not os.path.exists("/dev/nvidia0"):
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class BookBuild:
    """The result of one ``jupyter-book build``: exit status, log, and the HTML folder."""
    returncode: int
    log: str
    html: Path


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """Build the book strictly (``-W -n --keep-going``) in smoke mode into a temporary folder, once.

    Skips where jupyter-book is not installed. The build's success is asserted by
    ``test_book_build.py``; other tests use ``built_book.html``.
    """
    exe = Path(sys.executable).with_name("jupyter-book")
    exe = str(exe) if exe.exists() else shutil.which("jupyter-book")
    if exe is None:
        pytest.skip("jupyter-book is not installed")
    out = tmp_path_factory.mktemp("book")
    env = dict(os.environ, DDTW_EDU_SMOKE="1")        # the notebooks shrink their problems (smoke mode for CI)
    run = subprocess.run([exe, "build", str(ROOT), "--path-output", str(out), "-W", "-n", "--keep-going"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    return BookBuild(run.returncode, run.stdout + run.stderr, out / "_build" / "html")
