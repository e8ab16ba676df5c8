"""Time of one training epoch on the small default data, and the share of it spent in the loss.

For each task (MTD with the small MelodyCNN, SWD with the small PitchClassCNN,
the CPU defaults) and each configuration it runs one training epoch with
``ddtw_edu.training.run_epoch``, which times the objective (forward, and
backward down to the predictions) apart from the network. As a peer in the
same process, the MTD CTC-A epoch is repeated with
``torch.nn.functional.ctc_loss`` as the objective; the ratio of the two
epochs says what replacing torch's CTC by dDTW costs in training.

Epochs of different configurations are interleaved over ``--repeats`` rounds
and the medians reported, after one warm-up step of each (JIT compilation). Usage:

    python benchmarks/epoch.py [--repeats R] [--configs CTC-A SDTW-E ...] [--size small|tiny]
"""
import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")   # see benchmarks/cpu.py: torch's spinning threads

import argparse
import statistics
import time

import torch

from ddtw_edu.data.batching import SequenceDataset
from ddtw_edu.data.sequences import TIME_AXES
from ddtw_edu.experiments.data import load_splits, resolve_data, training_items
from ddtw_edu.experiments.tasks import get_task
from ddtw_edu.models import build_model
from ddtw_edu.training import Objective, run_epoch, uses_blank


class TorchCTC:
    """The peer objective: torch's own CTC on the log of the same predictions."""

    def __call__(self, X, batch):
        log_probs = torch.log(X.clamp_min(1e-7)).transpose(0, 1)
        return torch.nn.functional.ctc_loss(log_probs, batch["ctc"], batch["input_lengths"],
                                            batch["target_lengths"]["ctc"], zero_infinity=True)


def loader(task, items, context):
    dataset = SequenceDataset(training_items(task, items, context), time_axes=TIME_AXES, context=context)
    return torch.utils.data.DataLoader(dataset, batch_size=task.batch_size, shuffle=False,
                                       collate_fn=dataset.collate)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size", default="small", choices=("tiny", "small"))
    parser.add_argument("--configs", nargs="+", default=["CTC-A", "SDTW-E", "EM", "strong"])
    args = parser.parse_args()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, data size {args.size}, "
          f"medians of {args.repeats} epochs")
    for name in ("mtd", "swd"):
        task = get_task(name)
        parts = load_splits(task, resolve_data(name, size=args.size, progress=False), progress=False)
        runs = [(config, Objective(config, task.multilabel)) for config in args.configs]
        if name == "mtd" and "CTC-A" in args.configs:
            runs.append(("torch CTC", TorchCTC()))
        times = {label: ([], []) for label, _ in runs}
        for label, objective in runs:                  # compile the kernels before timing anything
            model = build_model(name, with_blank=label == "torch CTC" or uses_blank(label), size="small")
            first = next(iter(loader(task, parts["train"][:task.batch_size], model.context)))
            run_epoch(model, objective, [first], torch.device("cpu"), torch.optim.Adam(model.parameters()))
        for _ in range(args.repeats):
            for label, objective in runs:
                torch.manual_seed(0)
                model = build_model(name, with_blank=label == "torch CTC" or uses_blank(label), size="small")
                data = loader(task, parts["train"], model.context)
                optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
                start = time.perf_counter()
                _, loss_seconds = run_epoch(model, objective, data, torch.device("cpu"), optimizer)
                times[label][0].append(time.perf_counter() - start)
                times[label][1].append(loss_seconds)
        print(f"\n{name.upper()} ({len(data)} batches of {task.batch_size} per epoch)")
        print(f"{'objective':10s} {'epoch s':>8s} {'loss s':>8s} {'loss share':>10s}")
        for label, (epoch, loss) in times.items():
            e, l = statistics.median(epoch), statistics.median(loss)
            print(f"{label:10s} {e:8.2f} {l:8.2f} {l / e:10.1%}")
        if "torch CTC" in times:
            ratio = statistics.median(times["CTC-A"][0]) / statistics.median(times["torch CTC"][0])
            print(f"epoch with ddtw_edu CTC-A / epoch with torch CTC: {ratio:.2f}")


if __name__ == "__main__":
    main()
