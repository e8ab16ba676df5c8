"""Training with the dDTW losses (Sec. VII): objectives, the EM baseline's targets, and the loop.

objectives  the ten Table I configurations plus the EM and strong baselines, as ``objective(X, batch)``;
            the onset configurations (``EXTENSION_CONFIGS``) and a choice of minimum (Sec. VIII)
em          hard-DTW targets of the EM baseline
loop        Adam, learning rate halved on plateau, early stopping, best weights restored, resumable checkpoints

Book: chapter 7, "Twelve objectives" and "What one epoch costs"; chapter 8, "What one epoch
costs"; chapter 9, "Repetitions without a blank" and "Which minimum".
"""
from .em import compute_em_targets
from .loop import History, TrainingSchedule, fit, run_epoch
from .objectives import (BASELINES, EXTENSION_CONFIGS, TRAINING_CONFIGS, Objective, check_training_config,
                         frame_loss, uses_blank, uses_onset)

__all__ = ["BASELINES", "TRAINING_CONFIGS", "EXTENSION_CONFIGS", "Objective", "check_training_config",
           "uses_blank", "uses_onset", "frame_loss",
           "compute_em_targets", "TrainingSchedule", "History", "fit", "run_epoch"]
