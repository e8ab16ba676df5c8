"""Training with the dDTW losses (Sec. VII): objectives, the EM baseline's targets, and the loop.

objectives  the ten Table I configurations plus the EM and strong baselines, as ``objective(X, batch)``
em          hard-DTW targets of the EM baseline
loop        Adam, learning rate halved on plateau, early stopping, best weights restored, resumable checkpoints
"""
from .em import compute_em_targets
from .loop import History, TrainingSchedule, fit, run_epoch
from .objectives import BASELINES, TRAINING_CONFIGS, Objective, check_training_config, frame_loss, uses_blank

__all__ = ["BASELINES", "TRAINING_CONFIGS", "Objective", "check_training_config", "uses_blank", "frame_loss",
           "compute_em_targets", "TrainingSchedule", "History", "fit", "run_epoch"]
