"""Where the time of one CTC-A and one SDTW-E forward + backward on the GPU goes.

Runs each loss 20 times at one size (default the smallest of Table VI, where the
launch overhead weighs most) under torch's profiler and prints the GPU kernels'
total time beside the wall time, then the host functions that take longest
(cProfile). Needs a real CUDA GPU.

Usage: python benchmarks/gpu_profile.py [--N 256] [--M 64]
"""
import argparse
import cProfile
import pstats
import time

import torch

import ddtw_edu

B, K, REPEATS = 16, 13, 20


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--N", type=int, default=256)
    parser.add_argument("--M", type=int, default=64)
    args = parser.parse_args()
    device = torch.device("cuda")
    N, M = args.N, args.M
    log_probs = torch.randn(N, B, K, device=device).log_softmax(-1)
    targets = 1 + (torch.randint(1, K - 1, (B, M), device=device).cumsum(1) % (K - 1))
    lengths = torch.full((B,), N, device=device), torch.full((B,), M, device=device)
    C = torch.rand(B, N, M, device=device)

    def ctc():
        X = log_probs.detach().requires_grad_()
        ddtw_edu.ctc_loss(X, targets, *lengths, backend="cuda", reduction="sum").backward()

    def sdtw():
        X = C.detach().requires_grad_()
        ddtw_edu.sdtw_loss(X, config="SDTW-E", backend="cuda").sum().backward()

    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]):
        ctc()                                     # the profiler's start-up, outside the timings
    for name, fn in (("CTC-A", ctc), ("SDTW-E", sdtw)):
        for _ in range(5):
            fn()
        torch.cuda.synchronize()
        start = time.perf_counter()
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
            for _ in range(REPEATS):
                fn()
            torch.cuda.synchronize()
        wall = (time.perf_counter() - start) / REPEATS * 1e3
        events = [e for e in prof.key_averages() if e.device_time_total > 0]
        gpu = sum(e.device_time_total for e in events) / REPEATS / 1e3
        print(f"\n{name} at (N, M) = ({N}, {M}), B = {B}: wall {wall:.2f} ms per call (profiled), "
              f"GPU busy {gpu:.2f} ms")
        for e in sorted(events, key=lambda e: -e.device_time_total)[:8]:
            print(f"  {e.device_time_total / REPEATS / 1e3:7.3f} ms  {e.count // REPEATS:3d}x  {e.key[:90]}")
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(REPEATS):
            fn()
        torch.cuda.synchronize()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


if __name__ == "__main__":
    main()
