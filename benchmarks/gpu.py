"""GPU benchmark of ddtw_edu's "cuda" backend against torch's CUDA CTC (Table VI sizes).

For B = 16 and each (N, M) of the paper's Table VI, plus (4096, 1024), it
times forward + backward on the GPU of
  * ``ddtw_edu.ctc_loss`` (CTC-A, backend "cuda") and
    ``torch.nn.functional.ctc_loss`` on the same CUDA log-probabilities
    (K = 13 classes, targets of length M without adjacent repeats, the real
    input and target lengths: full N and M), and
  * ``ddtw_edu.sdtw_loss`` (SDTW-E, backend "cuda") on a (B, N, M) CUDA cost,
    printed beside the paper's own dDTW and SDTW columns (Table VI, measured
    on an RTX A5500: another card, so compare orders of magnitude only).
All inputs are float32 (the kernels then compute in float32, as torch's CTC
does). Each time is the median of 20 runs after 10 warm-ups, with
``torch.cuda.synchronize()`` before every timer stop; peak memory is
``torch.cuda.max_memory_allocated`` above the inputs (reset before each
measurement), also per cell of the alignment grid (bytes). ``ctc_rel_diff``
is the largest relative difference between our
CTC-A values and torch's (a check that the strips did not race). The table
goes to a CSV and a markdown file named after the card.

``--strip-widths 64,128,256,512`` also times both losses with each strip
width (columns per block, ``cuda_gpu.STRIP_WIDTH``) into a second table, to
choose the default for a card; a width whose block the kernels' register use
does not allow on the card is refused by the backend and written as nan, with
the reason in the table's header.

Never set NUMBA_ENABLE_CUDASIM here: the simulator would time Python threads.

Usage: python benchmarks/gpu.py [--repeats 20] [--warmup 10] [--quick] [--strip-widths W,...] [--out DIR]
"""
import argparse
import csv
import os
import statistics
import sys
import time

SIZES = [(256, 64), (256, 128), (512, 64), (512, 128), (1024, 128), (1024, 512), (1024, 1024), (4096, 1024)]
# Paper Table VI (RTX A5500): (N, M) -> (SDTW ms, SDTW MB, dDTW ms, dDTW MB, CTC ms, CTC MB)
PAPER = {(256, 64): (3.9, 73, 8.3, 23, 1.2, 1), (256, 128): (6.8, 146, 8.8, 45, 0.8, 2),
         (512, 64): (7.3, 146, 7.3, 46, 1.1, 3), (512, 128): (12.4, 293, 10.1, 91, 1.1, 3),
         (1024, 128): (20.4, 586, 12.1, 182, 1.4, 7), (1024, 512): (61.9, 2345, 26.6, 722, 1.4, 8),
         (1024, 1024): (118.5, 4689, 43.0, 1441, 1.4, 8)}
B, K = 16, 13
COLUMNS = ["N", "M", "ctc_ours_ms", "ctc_torch_ms", "ctc_ratio", "ctc_ours_MB", "ctc_torch_MB", "ctc_ours_B_per_cell",
           "ctc_rel_diff", "sdtw_ours_ms", "sdtw_ours_MB", "sdtw_ours_B_per_cell",
           "paper_ddtw_ms", "paper_ddtw_MB", "paper_sdtw_ms", "paper_sdtw_MB"]
STRIP_COLUMNS = ["N", "M", "strip_width", "ctc_ours_ms", "sdtw_ours_ms"]


def gpu_or_exit(torch):
    """Stop with a clear message unless a real CUDA GPU is usable."""
    if os.environ.get("NUMBA_ENABLE_CUDASIM", "0") not in ("", "0"):
        sys.exit("benchmarks/gpu.py: NUMBA_ENABLE_CUDASIM is set; unset it to time the real GPU.")
    if not torch.cuda.is_available():
        sys.exit("benchmarks/gpu.py: no CUDA GPU found (torch.cuda.is_available() is False); nothing to measure.")
    from numba import cuda
    if not cuda.is_available():
        sys.exit("benchmarks/gpu.py: Numba finds no CUDA GPU; install numba-cuda[cu12] (see README).")


def median_ms(torch, fn, repeats, warmup):
    """Median wall time of fn() in ms, synchronizing the GPU before each timer stop."""
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def peak_mb(torch, fn):
    """Peak GPU memory allocated by torch's allocator during fn(), above what was allocated before, in MB."""
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    before = torch.cuda.memory_allocated()
    fn()
    torch.cuda.synchronize()
    return (torch.cuda.max_memory_allocated() - before) / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--quick", action="store_true", help="only the two smallest sizes, 3 repeats")
    parser.add_argument("--strip-widths", default="", help="comma-separated strip widths to compare, e.g. 64,128,256")
    parser.add_argument("--out", default="benchmarks/results", help="folder for the CSV and markdown table")
    args = parser.parse_args()

    import torch
    gpu_or_exit(torch)
    import ddtw_edu
    from ddtw_edu.backends import cuda_gpu

    widths = [int(w) for w in args.strip_widths.split(",") if w]
    sizes, repeats, warmup = (SIZES[:2], 3, 2) if args.quick else (SIZES, args.repeats, args.warmup)
    card = torch.cuda.get_device_name()
    device = torch.device("cuda")
    rows, strip_rows, refusals = [], [], set()
    for N, M in sizes:
        gen = torch.Generator(device=device).manual_seed(0)
        logits = torch.randn(N, B, K, generator=gen, device=device)
        targets = torch.randint(1, K - 1, (B, M), generator=gen, device=device)
        targets = 1 + (targets.cumsum(1) % (K - 1))                  # consecutive labels always differ
        lengths = torch.full((B,), N, device=device), torch.full((B,), M, device=device)
        C = torch.rand(B, N, M, generator=gen, device=device)

        def ctc(loss_fn):
            log_probs = logits.log_softmax(-1).detach().requires_grad_()
            values = loss_fn(log_probs, targets, *lengths, reduction="none")
            values.sum().backward()
            return values.detach()

        def ours_ctc():
            return ctc(lambda *a, **kw: ddtw_edu.ctc_loss(*a, backend="cuda", **kw))

        def torch_ctc():
            return ctc(torch.nn.functional.ctc_loss)

        def ours_sdtw():
            X = C.detach().requires_grad_()
            ddtw_edu.sdtw_loss(X, config="SDTW-E", backend="cuda").sum().backward()

        t_ours, t_torch, t_sdtw = (median_ms(torch, f, repeats, warmup) for f in (ours_ctc, torch_ctc, ours_sdtw))
        m_ours, m_torch, m_sdtw = (peak_mb(torch, f) for f in (ours_ctc, torch_ctc, ours_sdtw))
        reference = torch_ctc()
        rel_diff = ((ours_ctc() - reference).abs() / reference.abs()).max().item()
        paper = PAPER.get((N, M), (float("nan"),) * 6)
        ctc_cells, sdtw_cells = B * N * (2 * M + 1), B * N * M         # CTC-A aligns to Y^e, M^e = 2M + 1 (Sec. II)
        row = [N, M, t_ours, t_torch, t_ours / t_torch, m_ours, m_torch, m_ours * 2**20 / ctc_cells, rel_diff,
               t_sdtw, m_sdtw, m_sdtw * 2**20 / sdtw_cells, paper[2], paper[3], paper[0], paper[1]]
        rows.append(row)
        print(" | ".join(_format(x) for x in row), flush=True)
        default_width = cuda_gpu.STRIP_WIDTH
        for width in widths:
            cuda_gpu.STRIP_WIDTH = width
            strip_rows.append([N, M, width] + [median_ms_or_refusal(torch, f, repeats, warmup, refusals)
                                               for f in (ours_ctc, ours_sdtw)])
            print(" | ".join(_format(x) for x in strip_rows[-1]), flush=True)
        cuda_gpu.STRIP_WIDTH = default_width

    os.makedirs(args.out, exist_ok=True)
    stem = os.path.join(args.out, "gpu_" + "".join(c if c.isalnum() else "_" for c in card))
    timing = f"GPU: {card}; B = {B}, K = {K}, float32; median of {repeats} runs after {warmup} warm-ups (ms)"
    write_table(stem, COLUMNS, rows, f"{timing}, peak torch.cuda memory above the inputs (MB); strip width "
                f"{cuda_gpu.STRIP_WIDTH}. Paper columns: RTX A5500 (Table VI).")
    if strip_rows:
        refused = "".join(f" nan: {reason}." for reason in sorted(refusals))
        write_table(stem + "_strips", STRIP_COLUMNS, strip_rows, f"{timing}, by strip width.{refused}")


def median_ms_or_refusal(torch, fn, repeats, warmup, refusals):
    """:func:`median_ms`, or nan where the backend refuses the strip width (its reason is added to ``refusals``)."""
    try:
        return median_ms(torch, fn, repeats, warmup)
    except ValueError as error:
        refusals.add(str(error).split("; set ")[0].removeprefix("STRIP_WIDTH: "))
        return float("nan")


def _format(x):
    """Two decimals, or three significant digits for small floats (relative differences)."""
    if not isinstance(x, float):
        return str(x)
    return f"{x:.2e}" if 0 < abs(x) < 0.01 else f"{x:.2f}"


def write_table(stem, columns, rows, header):
    """The rows as ``stem``.csv and as a markdown table under ``header`` in ``stem``.md."""
    with open(stem + ".csv", "w", newline="") as f:
        csv.writer(f).writerows([columns] + rows)
    with open(stem + ".md", "w") as f:
        f.write(header + "\n\n| " + " | ".join(columns) + " |\n|" + "---|" * len(columns) + "\n")
        for row in rows:
            f.write("| " + " | ".join(_format(x) for x in row) + " |\n")
    print(f"wrote {stem}.csv and {stem}.md")


if __name__ == "__main__":
    main()
