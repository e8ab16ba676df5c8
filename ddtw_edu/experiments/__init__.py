"""The experiments of Sec. VII, end to end: ``python -m ddtw_edu.experiments mtd|swd|report|merge``.

tasks          the MTD (Sec. VII-B) and SWD (Sec. VII-C) settings
data           train/val/test items of a data folder, the retrieval database
evaluate       test metrics of a trained network (Tables III-IV, Fig. 11)
run            train every configuration, evaluate, write results (resumable); merge workers' folders
report         results as the paper's tables, beside its numbers (paper_results)
alignments     soft alignments of a network's predictions (Fig. 10)
figures        predictions, alignments and runs as in Fig. 9-11
widgets        an explorer of trained configurations' predictions (notebooks)
"""
from .evaluate import decode, evaluate_mtd, evaluate_swd, predict
from .run import (default_device, describe_plan, load_examples, load_results, plan_experiment, published_beyond,
                  published_protocol_runs, published_results, run0_examples, run_experiment, run_plan)
from .tasks import TASKS, Task, configs_changed, get_task

__all__ = ["TASKS", "Task", "get_task", "configs_changed", "run_experiment", "plan_experiment", "describe_plan",
           "run_plan", "load_results", "load_examples", "run0_examples", "published_results",
           "published_protocol_runs", "published_beyond", "default_device", "predict", "decode", "evaluate_mtd",
           "evaluate_swd"]
