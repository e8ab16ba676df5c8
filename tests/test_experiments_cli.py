"""The experiments command line answers ordinary mistakes in one line, before any data is generated.

The cases run ``python -m ddtw_edu.experiments`` as subprocesses (all at once, to keep the file fast; a few
call its ``main`` in this process) with ``$DDTW_EDU_DATA`` pointing at an absent temporary folder: a check that came after data
generation would leave that folder behind. Each mistake must give exit code 2, one line on stderr that
names the problem, no traceback, and no ``--out`` folder.
"""
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ddtw_edu.data.generate import _COMPLETE, GENERATOR_VERSION
from ddtw_edu.experiments.__main__ import main
from ddtw_edu.experiments.report import report_title
from ddtw_edu.experiments.run import PUBLISHED, _folder_label, data_label, load_results, plan_experiment, run_experiment

GOLDEN = Path(__file__).resolve().parent / "golden"
PROG = "python -m ddtw_edu.experiments: error: "
GARBLED = "MTD9999_Test_BWV0000-01.csv"
RESUME_SETTINGS = {"task": "mtd", "data": "generated mtd tiny (seed 0)", "data_size": "tiny",
                   "generator": GENERATOR_VERSION, "model_size": "small", "device": "cpu", "gamma": 1.0, "seed": 0,
                   "epochs": 1, "batch_size": 8, "protocol": "table1"}
ROW = {"config": "CTC-A", "run": 0}

# name: (arguments, texts the error line must hold); "{base}" is the temporary folder, "out" a fresh --out
MISTAKES = {
    "missing data": (["mtd", "--data", "{base}/nowhere"], ["data", "nowhere", "does not exist"]),
    "empty data": (["swd", "--data", "{base}/empty"], ["data", "empty", "is empty"]),
    "garbled csv": (["mtd", "--data", "{base}/garbled"], [GARBLED, "line 3"]),
    "other data set": (["mtd", "--data", str(GOLDEN / "swd")], ["SWD folder", "mtd"]),
    "epochs 0": (["mtd", "--epochs", "0"], ["epochs must be", "got 0"]),
    "negative epochs": (["swd", "--epochs", "-2"], ["epochs must be", "got -2"]),
    "runs 0": (["mtd", "--runs", "0"], ["runs must be", "got 0"]),
    "negative gamma": (["swd", "--gamma", "-1"], ["gamma must be", "> 0", "-1"]),
    "resume other settings": (["mtd", "--out", "{base}/resume", "--data-size", "tiny", "--epochs", "2", "--gamma",
                               "0.5", "--device", "cpu"],
                              ["{base}/resume", "epochs was 1, now 2", "gamma was 1.0, now 0.5"]),
    "resume other data": (["mtd", "--out", "{base}/legacy-v1", "--data-size", "tiny", "--epochs", "1",
                           "--device", "cpu"], ["{base}/legacy-v1", f"generator was 1, now {GENERATOR_VERSION}"]),
    "report missing folder": (["report", "{base}/no-results"], ["no-results", "does not exist"]),
    "report without results.json": (["report", "{base}/empty"], ["empty", "no results.json"]),
}
IN_PROCESS = ("negative epochs", "other data set", "report missing folder")
# name: (arguments, texts stdout must hold); these succeed without training or creating anything
DRY_RUNS = {
    "dry run": (["mtd", "--data-size", "tiny", "--configs", "CTC-A", "SDTW-E", "--runs", "2", "--epochs", "7",
                 "--protocol", "authors", "--dry-run"],
                ["2 configurations x 2 runs = 4 training runs", "epoch limit 7", "protocol authors",
                 "generated mtd tiny (seed 0)", "out: {base}/out-dry-run (new)", "at most about",
                 "published results", "CPU", "small generated data", "dry run: nothing trained"]),
    "dry run of an older folder": (["mtd", "--out", "{base}/legacy", "--data-size", "tiny", "--epochs", "1",
                                    "--configs", "CTC-A", "SDTW-E", "--device", "cpu", "--dry-run"],
                                   ["resumed: 1 of 2 runs done"]),
}


def _setup(base):
    (base / "empty").mkdir()
    shutil.copytree(GOLDEN / "mtd", base / "garbled")
    path = base / "garbled" / "data_EDM-alig_CSV" / GARBLED
    lines = path.read_text().splitlines(keepends=True)
    lines[2] = "0.6;not a number;72\n"
    path.write_text("".join(lines))
    (base / "resume").mkdir()
    (base / "resume" / "results.json").write_text(json.dumps({"settings": RESUME_SETTINGS, "rows": [ROW]}))
    # a folder as older versions wrote it: the data's full path, no protocol
    legacy = {k: v for k, v in RESUME_SETTINGS.items() if k not in ("protocol", "generator")}
    legacy["data"] = f"/root/.cache/ddtw_edu/data/mtd-tiny-seed0-v{GENERATOR_VERSION}"  # a path, no protocol
    (base / "legacy").mkdir()
    (base / "legacy" / "results.json").write_text(json.dumps({"settings": legacy, "rows": [ROW]}))
    legacy["data"] = "/root/.cache/ddtw_edu/data/mtd-tiny-seed0"         # the first generator's folder
    (base / "legacy-v1").mkdir()
    (base / "legacy-v1" / "results.json").write_text(json.dumps({"settings": legacy, "rows": [ROW]}))


def _out(base, name):
    return base / ("out-" + name.replace(" ", "-"))


def _argv(name, args, base):
    args = [a.replace("{base}", str(base)) for a in args]
    if args[0] != "report" and "--out" not in args:
        args += ["--out", str(_out(base, name))]
    return [sys.executable, "-m", "ddtw_edu.experiments"] + args


@pytest.fixture(scope="module")
def answers(tmp_path_factory):
    """{name: (returncode, stdout, stderr)} of every case, and the temporary folder.

    Most cases run as subprocesses, all at once; those of IN_PROCESS call ``main`` here (each
    subprocess spends most of its two seconds importing torch).
    """
    base = tmp_path_factory.mktemp("cli")
    _setup(base)
    env = {**os.environ, "DDTW_EDU_DATA": str(base / "generated")}
    cases = {**MISTAKES, **DRY_RUNS}
    procs = {name: subprocess.Popen(_argv(name, args, base), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env, cwd=base)
             for name, (args, _) in cases.items() if name not in IN_PROCESS}
    results = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DDTW_EDU_DATA", env["DDTW_EDU_DATA"])
        patch.chdir(base)
        for name in IN_PROCESS:
            out, err = io.StringIO(), io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(_argv(name, cases[name][0], base)[3:])
            results[name] = (code, out.getvalue(), err.getvalue())
    for name, proc in procs.items():
        out, err = proc.communicate(timeout=180)
        results[name] = (proc.returncode, out, err)
    return base, results


@pytest.mark.parametrize("name", MISTAKES)
def test_a_mistake_gets_one_line_exit_2_and_leaves_nothing(answers, name):
    base, results = answers
    code, out, err = results[name]
    assert code == 2, (out, err)
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PROG), err
    for text in MISTAKES[name][1]:
        assert text.replace("{base}", str(base)) in lines[0], lines[0]
    assert not _out(base, name).exists()                       # --out is created only after the checks
    assert not (base / "generated").exists()                         # and no data was generated
    assert json.loads((base / "resume" / "results.json").read_text())["settings"] == RESUME_SETTINGS


@pytest.mark.parametrize("name", DRY_RUNS)
def test_dry_run_prints_the_plan_and_an_estimate_and_creates_nothing(answers, name):
    base, results = answers
    code, out, err = results[name]
    assert code == 0, err
    for text in DRY_RUNS[name][1]:
        assert text.replace("{base}", str(base)) in out, out
    assert not _out(base, name).exists() and not (base / "generated").exists()
    assert not (base / "legacy" / "models").exists()


def test_the_library_checks_the_same_before_creating_anything(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(ValueError, match="epochs must be an integer >= 1"):
        run_experiment("mtd", out, epochs=0, progress=False)
    with pytest.raises(ValueError, match="gamma must be a number > 0"):
        run_experiment("swd", out, gamma=0.0, progress=False)
    with pytest.raises(ValueError, match="protocol must be one of"):
        run_experiment("mtd", out, protocol="paper", progress=False)
    assert not out.exists()
    plan = plan_experiment("swd", out, configs=["CTC-A"], data_size="tiny", device="cpu", protocol="authors")
    assert plan.settings["protocol"] == "authors" and plan.pending == [("CTC-A", 0)] and not out.exists()


def test_results_name_data_by_a_label_without_machine_folders(tmp_path):
    generated = tmp_path / "anywhere"
    generated.mkdir()
    (generated / _COMPLETE).write_text(json.dumps({"dataset": "swd", "size": "tiny", "seed": 3}))
    assert _folder_label(generated) == "generated swd tiny (seed 3)"          # a generated folder given as data
    assert _folder_label(tmp_path) == tmp_path.name
    assert data_label("/root/.cache/ddtw_edu/data/mtd-small-seed0") == "generated mtd small (seed 0)"
    assert data_label("/home/someone/datasets/MTD") == "MTD"
    assert data_label("C:\\data\\SWD") == "SWD"
    assert data_label("generated swd tiny (seed 0)") == "generated swd tiny (seed 0)"
    settings, _ = load_results(PUBLISHED / "mtd-small")
    assert report_title(settings) == ("MTD rerun: small network, data generated mtd small (seed 0), "
                                      "protocol table1, device cpu")


def test_published_files_hold_no_machine_paths():
    reruns = Path(__file__).resolve().parents[1] / "reruns"    # the workers' folders they are merged from
    files = [path for folder in (PUBLISHED, reruns) for path in folder.rglob("*") if path.is_file()]
    assert len(files) > 10
    for path in files:
        if path.suffix == ".npz":
            with np.load(path) as archive:
                text = " ".join(str(archive[k]) for k in archive.files if archive[k].dtype.kind == "U")
        else:
            text = path.read_bytes().decode("utf-8", errors="replace")
        for folder in ("/root", "/home", "/tmp"):
            assert folder not in text, f"{path} holds a {folder} path"


def _worker_folder(path, settings, rows):
    settings = {k: v for k, v in settings.items() if k != "merged_from"}     # a worker's own folder
    path.mkdir()
    (path / "examples").mkdir()
    for row in rows:
        (path / "examples" / f"{row['config']}-run{row['run']}.npz").write_bytes(f"{path.name}".encode())
    (path / "results.json").write_text(json.dumps({"settings": settings, "rows": rows}))
    return path


def _run_main(argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


def test_merge_joins_the_folders_of_workers_and_writes_the_tables(tmp_path):
    """Two workers split the published MTD runs by configuration; merging gives back every row and example."""
    settings, rows = load_results(PUBLISHED / "mtd-small")
    configs = sorted({row["config"] for row in rows})
    mine = [row for row in rows if row["config"] in configs[::2]]
    theirs = [row for row in rows if row["config"] not in configs[::2]]
    assert mine and theirs
    w0 = _worker_folder(tmp_path / "w0", settings, theirs)             # given in another order on purpose
    w1 = _worker_folder(tmp_path / "w1", settings, mine)
    code, out, err = _run_main(["merge", str(tmp_path / "merged"), str(w0), str(w1)])
    assert code == 0, err
    merged_settings, merged = load_results(tmp_path / "merged")
    key = lambda row: (row["config"], row["run"])                      # noqa: E731
    assert sorted(merged, key=key) == sorted(rows, key=key)
    assert [row["config"] for row in merged] == [row["config"] for row in rows]   # Table I order, as one run wrote
    assert merged_settings["merged_from"] == ["w0", "w1"]
    assert ({k: v for k, v in merged_settings.items() if k != "merged_from"}
            == {k: v for k, v in settings.items() if k != "merged_from"})
    for row in merged:
        worker = "w0" if row in theirs else "w1"
        assert (tmp_path / "merged" / "examples" / f"{row['config']}-run{row['run']}.npz").read_bytes() == worker.encode()
    assert (tmp_path / "merged" / "tables.md").is_file() and "merged" in out
    # the workers go on: merging again rewrites the earlier merge
    assert _run_main(["merge", str(tmp_path / "merged"), str(w0), str(w1)])[0] == 0
    # --configs keeps some configurations of both workers, with their examples only (none left from before)
    kept = [configs[0], configs[1]]
    assert _run_main(["merge", str(tmp_path / "merged"), str(w0), str(w1), "--configs", *kept])[0] == 0
    assert sorted(load_results(tmp_path / "merged")[1], key=key) == sorted(
        (row for row in rows if row["config"] in kept), key=key)
    assert {path.name.split("-run")[0] for path in (tmp_path / "merged" / "examples").iterdir()} == set(kept)
    # --runs keeps the first runs of each configuration: a worker that went on with further runs of some
    later = max(row["run"] for row in rows) + 1
    w2 = _worker_folder(tmp_path / "w2", settings, [dict(row, run=row["run"] + later) for row in mine])
    assert _run_main(["merge", str(tmp_path / "equal"), str(w0), str(w1), str(w2), "--runs", str(later)])[0] == 0
    assert sorted(load_results(tmp_path / "equal")[1], key=key) == sorted(rows, key=key)
    assert len(list((tmp_path / "equal" / "examples").iterdir())) == len(rows)
    assert _run_main(["merge", str(tmp_path / "all"), str(w0), str(w1), str(w2)])[0] == 0
    assert len(load_results(tmp_path / "all")[1]) == len(rows) + len(mine)


@pytest.mark.parametrize("case, texts", [
    ("other settings", ["other settings", "epochs is 3 in", "w1 but 15 in"]),
    ("same run twice", ["is in both"]),
    ("no results", ["no results.json"]),
    ("out not a merge", ["not a merge"]),
    ("out among folders", ["is one of the folders"]),
    ("config without runs", ["configs SDTW-E-ONSET have no runs in"]),
    ("no runs kept", ["runs must be a positive integer, got 0"]),
])
def test_merge_mistakes_get_one_line_exit_2(tmp_path, case, texts):
    settings, rows = load_results(PUBLISHED / "mtd-small")
    w0 = _worker_folder(tmp_path / "w0", settings, rows[:2])
    other = rows[2:4] if case != "same run twice" else rows[1:3]
    w1 = _worker_folder(tmp_path / "w1", {**settings, "epochs": 3} if case == "other settings" else settings, other)
    out = tmp_path / "merged"
    folders = [str(w0), str(w1)]
    if case == "no results":
        (tmp_path / "empty").mkdir()
        folders.append(str(tmp_path / "empty"))
    if case == "out not a merge":
        out = w1
        folders = [str(w0)]
    if case == "out among folders":
        out = w0
    if case == "config without runs":
        folders += ["--configs", rows[0]["config"], "SDTW-E-ONSET"]
    if case == "no runs kept":
        folders += ["--runs", "0"]
    if case == "same run twice":
        texts = texts + [f"{rows[1]['config']} run {rows[1]['run']} is in both"]
    code, _, err = _run_main(["merge", str(out)] + folders)
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(PROG), err
    for text in texts:
        assert text in lines[0], lines[0]
    assert not (tmp_path / "merged").exists()
