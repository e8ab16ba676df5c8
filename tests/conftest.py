"""Test setup: run the "cuda" backend in Numba's CUDA simulator where no NVIDIA GPU is present.

The simulator switch is read when Numba is first imported, and pytest imports
this file before any test module, so it is set here. On a real GPU it is left
alone (the simulator would hide the device); the library never sets it.
"""
import os
import shutil

if shutil.which("nvidia-smi") is None and not os.path.exists("/dev/nvidia0"):
    os.environ.setdefault("NUMBA_ENABLE_CUDASIM", "1")
