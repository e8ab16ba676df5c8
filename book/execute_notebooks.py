"""Execute the chapter notebooks in full mode and write their outputs back (``make notebooks``).

GitHub and Colab show a notebook's stored outputs before anything runs, so the
committed chapters must carry the same full-mode outputs as the online book.
This script is the only thing that writes them: it refuses to run in smoke mode
(``DDTW_EDU_SMOKE=1``), executes every code cell with the book's per-cell
timeout, and stamps the notebook's metadata with a digest of its code cells and
outputs. ``tests/test_committed_notebooks.py`` recomputes the digest, so a
notebook executed any other way, or edited without being executed again, fails.

Usage::

    python book/execute_notebooks.py                      # every chapter
    python book/execute_notebooks.py notebooks/04_ddtw.ipynb
"""
import argparse
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import nbformat
import yaml
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
STAMP_KEY = "ddtw_edu"


def outputs_digest(nb):
    """SHA-256 of every code cell's source and outputs, in order (the stamp's check value)."""
    digest = hashlib.sha256()
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode())
            digest.update(json.dumps(cell.outputs, sort_keys=True).encode())
    return digest.hexdigest()


def cell_timeout():
    """The book's per-cell execution timeout in seconds (``execute.timeout`` in _config.yml)."""
    return int(yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]["timeout"])


def execute_notebook(path, timeout):
    """Run one notebook top to bottom in its own folder, store outputs and stamp; return seconds per cell."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=False,
                            store_widget_state=False, resources={"metadata": {"path": str(path.parent)}})
    seconds = {}
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            if cell.cell_type == "code":
                start = time.perf_counter()
                client.execute_cell(cell, index)
                seconds[index] = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nb.metadata[STAMP_KEY] = {"outputs": "full", "digest": outputs_digest(nb)}
    nbformat.write(nb, path)
    return seconds


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook in notebooks/")
    args = parser.parse_args(argv)
    if os.environ.get("DDTW_EDU_SMOKE") == "1":
        parser.error("DDTW_EDU_SMOKE=1 is set: smoke-mode outputs must never be written into the notebooks")
    notebooks = [p.resolve() for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    timeout = cell_timeout()
    for path in notebooks:
        start = time.perf_counter()
        seconds = execute_notebook(path, timeout)
        slowest = max(seconds, key=seconds.get)
        print(f"{path.name}: {time.perf_counter() - start:.0f} s "
              f"(slowest cell {slowest}: {seconds[slowest]:.0f} s)", flush=True)


if __name__ == "__main__":
    sys.exit(main())
