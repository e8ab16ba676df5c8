"""The GPU benchmark scripts without a GPU: they refuse to time the simulator, and the committed
GPU tables are consistent with the script that wrote them (columns, ratios, bytes per cell)."""
import csv
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RESULTS = sorted(p for p in (ROOT / "benchmarks" / "results").glob("gpu_*.csv") if "_strips" not in p.stem)


def _gpu_script():
    spec = importlib.util.spec_from_file_location("gpu_benchmark", ROOT / "benchmarks" / "gpu.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_refuses_to_time_the_simulator():
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    run = subprocess.run([sys.executable, "benchmarks/gpu.py", "--quick"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "NUMBA_ENABLE_CUDASIM is set" in run.stderr or "no CUDA GPU" in run.stderr


def test_gpu_check_script_parses():
    assert subprocess.run(["bash", "-n", str(ROOT / "benchmarks" / "gpu_check.sh")]).returncode == 0


@pytest.mark.parametrize("path", RESULTS, ids=[p.stem for p in RESULTS])
def test_committed_gpu_table_is_consistent(path):
    gpu = _gpu_script()
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == gpu.COLUMNS
    assert [(int(r["N"]), int(r["M"])) for r in rows] == gpu.SIZES
    for r in rows:
        N, M = int(r["N"]), int(r["M"])
        value = {key: float(x) for key, x in r.items()}
        assert value["ctc_ratio"] == pytest.approx(value["ctc_ours_ms"] / value["ctc_torch_ms"], rel=1e-9)
        assert value["ctc_ours_B_per_cell"] == pytest.approx(
            value["ctc_ours_MB"] * 2**20 / (gpu.B * N * (2 * M + 1)), rel=1e-9)
        assert value["sdtw_ours_B_per_cell"] == pytest.approx(value["sdtw_ours_MB"] * 2**20 / (gpu.B * N * M), rel=1e-9)
        assert value["ctc_rel_diff"] < 1e-5                  # float32 CTC-A agreed with torch's
    strips = path.with_name(path.stem + "_strips.csv")
    assert strips.is_file() and (path.with_name(path.stem + "_profile.txt")).is_file()
