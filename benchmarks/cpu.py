"""CPU benchmark of ddtw_edu's losses against torch, in the same process (Table VI sizes).

For B = 16 and each (N, M) of the paper's Table VI it times forward + backward
of
  * ``ddtw_edu.ctc_loss`` (CTC-A) and ``torch.nn.functional.ctc_loss`` on the
    same log-probabilities (K = 13 classes, targets of length M without
    adjacent repeats, so that every alignment is feasible, full lengths), and
  * ``ddtw_edu.sdtw_loss`` (SDTW-E) on a (B, N, M) cost,
and reports medians, ratios and peak extra memory (resident set growth, reset
before each measurement). It then checks float32 accuracy at gamma = 0.01,
float64 agreement with the NumPy reference, and the JIT warm-up time of a
fresh process with a warm cache.

The table goes to ``benchmarks/results/cpu_<CPU model>_<T>threads.csv`` (one
row per size, beside the paper's Table VI columns, measured on an RTX A5500
GPU) and to a markdown file of the same name that also records the machine,
the versions, the load average before and after, and the checks below it.
``spread_pct`` is the largest interquartile range of the three timings of a
row in percent of its median: a measure of how noisy the machine was.

Fairness: torch's OpenMP worker threads spin for a while after every torch
operation, which steals the cores from any other threaded library that runs
next (ddtw_edu's Numba threads, here). Unless OMP_WAIT_POLICY is already set,
this script sets it to "passive" before importing torch, so that each library
gets the cores while it runs; ``--omp-wait active`` measures the default.
Timings of the two libraries are interleaved so that drifts hit both alike.

Usage: python benchmarks/cpu.py [--threads T] [--repeats R] [--quick] [--omp-wait passive|active] [--out DIR]
"""
import os
import sys

if __name__ == "__main__":
    wait = sys.argv[sys.argv.index("--omp-wait") + 1] if "--omp-wait" in sys.argv else "passive"
    os.environ.setdefault("OMP_WAIT_POLICY", wait.upper())

import argparse
import csv
import ctypes
import datetime
import gc
import platform
import subprocess
import time

import numba
import numpy as np
import torch

import ddtw_edu
from ddtw_edu.backends.numba_cpu import release_workspace
from gpu import PAPER, _format   # the paper's Table VI and the number format of the GPU table (same folder)

SIZES = [(256, 64), (256, 128), (512, 64), (512, 128), (1024, 128), (1024, 512), (1024, 1024)]
B, K = 16, 13
_libc = ctypes.CDLL("libc.so.6")
COLUMNS = ["N", "M", "ctc_ours_ms", "ctc_torch_ms", "ctc_ratio", "ctc_ours_MB", "ctc_torch_MB", "ctc_mem_ratio",
           "sdtw_ours_ms", "sdtw_ours_MB", "sdtw_bytes_per_cell", "spread_pct",
           "paper_sdtw_ms", "paper_sdtw_MB", "paper_ddtw_ms", "paper_ddtw_MB", "paper_ctc_ms", "paper_ctc_MB"]


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    raise RuntimeError(field)


def peak_extra_mb(fn):
    """Peak growth of the resident set while ``fn`` runs, in MB.

    ddtw_edu's kept work arrays are released first, so its figure includes
    allocating them (the cost of a first call, an upper bound for later ones).
    """
    release_workspace()
    gc.collect()
    _libc.malloc_trim(0)
    base = _status_kb("VmRSS:")
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")                                    # reset VmHWM to the current RSS
    fn()
    return (_status_kb("VmHWM:") - base) / 1024


def median_times(fns, repeats, warmup=1, spread=False):
    """Median seconds of each function, timed in interleaved rounds.

    With ``spread=True`` also the interquartile range of each, in percent of its median.
    """
    for fn in fns:
        for _ in range(warmup):
            fn()
    times = np.empty((repeats, len(fns)))
    for r in range(repeats):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            times[r, i] = time.perf_counter() - t
    median = np.median(times, axis=0)
    if spread:
        q25, q75 = np.percentile(times, [25, 75], axis=0)
        return median, 100 * (q75 - q25) / median
    return median


def ctc_inputs(N, M, dtype=torch.float32, seed=0):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(N, B, K, generator=gen, dtype=dtype)
    targets = torch.randint(1, K - 1, (B, M), generator=gen)
    targets = 1 + (targets.cumsum(1) % (K - 1))          # consecutive labels always differ
    lengths = torch.full((B,), N), torch.full((B,), M)
    return logits, targets, lengths


def ctc_step(loss_fn, logits, targets, lengths):
    log_probs = logits.log_softmax(-1).detach().requires_grad_()
    loss = loss_fn(log_probs, targets, *lengths, reduction="sum")
    loss.backward()
    return log_probs.grad


def sdtw_step(C, gamma=1.0):
    C = C.detach().requires_grad_()
    ddtw_edu.sdtw_loss(C, gamma=gamma, config="SDTW-E").sum().backward()
    return C.grad


def table(repeats, sizes):
    rows = []
    for N, M in sizes:
        logits, targets, lengths = ctc_inputs(N, M)
        ours = lambda: ctc_step(ddtw_edu.ctc_loss, logits, targets, lengths)            # noqa: E731
        peer = lambda: ctc_step(torch.nn.functional.ctc_loss, logits, targets, lengths)  # noqa: E731
        C = torch.rand(B, N, M)
        sdtw = lambda: sdtw_step(C)                                                     # noqa: E731
        (t_ours, t_peer, t_sdtw), iqr = median_times([ours, peer, sdtw], repeats, spread=True)
        m_ours, m_peer, m_sdtw = (peak_extra_mb(f) for f in (ours, peer, sdtw))
        paper = PAPER.get((N, M), (float("nan"),) * 6)
        rows.append([N, M, 1e3 * t_ours, 1e3 * t_peer, t_ours / t_peer, m_ours, m_peer, m_ours / max(m_peer, 1e-9),
                     1e3 * t_sdtw, m_sdtw, m_sdtw * 2**20 / (B * N * M), float(iqr.max()), *paper])
        print(f"| ({N}, {M}) | {1e3 * t_ours:.1f} | {1e3 * t_peer:.1f} | {t_ours / t_peer:.2f} | "
              f"{m_ours:.0f} | {m_peer:.0f} | {m_ours / max(m_peer, 1e-9):.2f} | {1e3 * t_sdtw:.1f} | {m_sdtw:.0f} | "
              f"{m_sdtw * 2**20 / (B * N * M):.1f} |", flush=True)
    return rows


def accuracy():
    N = M = 1024
    C64 = torch.rand(B, N, M, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    g64 = sdtw_step(C64, gamma=0.01)
    g32 = sdtw_step(C64.float(), gamma=0.01).double()
    rel32 = ((g32 - g64).abs().max() / g64.abs().max()).item()
    small = torch.rand(2, 128, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    fast = ddtw_edu.sdtw_loss(small, gamma=0.1, backend="numba")
    ref = ddtw_edu.sdtw_loss(small, gamma=0.1, backend="numpy")
    C = small.clone().requires_grad_()
    ddtw_edu.sdtw_loss(C, gamma=0.1, backend="numba").sum().backward()
    C_ref = small.clone().requires_grad_()
    ddtw_edu.sdtw_loss(C_ref, gamma=0.1, backend="numpy").sum().backward()
    err64 = max((fast - ref).abs().max().item(), (C.grad - C_ref.grad).abs().max().item())
    return rel32, err64


def warmup_seconds():
    """Seconds for import + first SDTW and CTC call in a fresh process (warm Numba cache)."""
    code = ("import time; t = time.perf_counter(); import torch, ddtw_edu; "
            "C = torch.rand(2, 8, 5, requires_grad=True); ddtw_edu.sdtw_loss(C).sum().backward(); "
            "lp = torch.randn(8, 2, 5).log_softmax(-1).requires_grad_(); "
            "ddtw_edu.ctc_loss(lp, torch.ones(2, 2, dtype=torch.long), [8, 8], [2, 2]).backward(); "
            "print(time.perf_counter() - t)")
    subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)      # fills the cache
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    base = subprocess.run([sys.executable, "-c", "import time; t = time.perf_counter(); import torch, numba; "
                           "print(time.perf_counter() - t)"], check=True, capture_output=True, text=True)
    return float(out.stdout), float(base.stdout)


def machine_name(threads):
    """The CPU model and thread count as a file name part, e.g. ``Intel_Xeon_Processor_2threads``."""
    model = platform.processor() or platform.machine()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1]
                break
    for noise in ("(R)", "(TM)", "(tm)", " CPU "):
        model = model.replace(noise, " ")
    model = model.split("@")[0]
    return "_".join("".join(c if c.isalnum() else " " for c in model).split()) + f"_{threads}threads"


def write_results(stem, rows, header, notes):
    """The rows as ``stem``.csv, and ``header``, a markdown table and ``notes`` as ``stem``.md."""
    with open(stem + ".csv", "w", newline="") as f:
        csv.writer(f).writerows([COLUMNS] + [[_format(x) if isinstance(x, float) else x for x in row]
                                            for row in rows])
    with open(stem + ".md", "w") as f:
        f.write(header + "\n\n| " + " | ".join(COLUMNS) + " |\n|" + "---|" * len(COLUMNS) + "\n")
        for row in rows:
            f.write("| " + " | ".join(_format(x) for x in row) + " |\n")
        f.write("".join(f"\n{note}\n" for note in notes))
    print(f"wrote {stem}.csv and {stem}.md")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="only the three smallest sizes")
    parser.add_argument("--omp-wait", choices=["passive", "active"], default="passive",
                        help="OMP_WAIT_POLICY for torch's threads (read before torch is imported)")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results"),
                        help="folder for the CSV and markdown table (default: benchmarks/results)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.perf_counter()
    torch.set_num_threads(args.threads)
    numba.set_num_threads(args.threads)
    setup = (f"threads: {args.threads}, B = {B}, K = {K}, float32, median of {args.repeats} interleaved runs, "
             f"torch {torch.__version__}, numba {numba.__version__}, "
             f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}")
    print(setup)
    print("| (N, M) | CTC-A ms | torch CTC ms | time ratio | CTC-A MB | torch MB | mem ratio | SDTW-E ms | SDTW-E MB "
          "| SDTW-E B/cell |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows = table(args.repeats, SIZES[:3] if args.quick else SIZES)
    notes = []
    if not args.quick:
        notes = extras(args)
    load_after = os.getloadavg()
    cpu = machine_name(args.threads)
    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, f"cpu_{cpu}" + ("_quick" if args.quick else ""))
    header = (f"CPU: {cpu.rsplit('_', 1)[0].replace('_', ' ')} ({os.cpu_count()} cores), "
              f"{datetime.date.today()}; {setup}. "
              f"Times in ms (forward + backward), memory = peak growth of the resident set in MB. "
              f"Load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after; "
              f"run took {time.perf_counter() - started:.0f} s. "
              f"Paper columns: Table VI, RTX A5500 GPU (its CTC column is a 16 x 16 problem at every size).")
    write_results(stem, rows, header, notes)


def extras(args):
    """The thread speed-up, accuracy and warm-up checks, as printed lines."""
    notes = []
    C = torch.rand(B, 1024, 1024)
    times = {}
    for threads in (1, 2):
        numba.set_num_threads(threads)
        times[threads], = median_times([lambda: sdtw_step(C)], args.repeats)
    numba.set_num_threads(args.threads)
    notes.append(f"SDTW-E (1024, 1024), B = 16: {times[1]:.3f} s on 1 thread, {times[2]:.3f} s on 2 threads "
                 f"(speed-up {times[1] / times[2]:.2f}x)")
    rel32, err64 = accuracy()
    notes.append(f"float32 input, gamma = 0.01, (1024, 1024): max gradient error {rel32:.1e} relative to float64")
    notes.append(f"float64: numba vs NumPy reference, (128, 64): max abs difference {err64:.1e}")
    first, base = warmup_seconds()
    notes.append(f"fresh process, warm cache: import + first calls {first:.2f} s (of which importing torch and "
                 f"numba {base:.2f} s)")
    for note in notes:
        print(note, flush=True)
    return notes


if __name__ == "__main__":
    main()
