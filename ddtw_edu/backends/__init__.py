"""Backends that run the dDTW recursion: "numpy" (reference), "numba" (CPU), "cuda" (GPU, Numba-CUDA)."""
