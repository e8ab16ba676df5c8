"""The integer codes that compiled kernels take instead of names, shared by :mod:`.numba_cpu` and :mod:`.cuda_gpu`.

Numba kernels cannot branch on strings cheaply, so the minimum function
(:mod:`ddtw_edu.minimum`) and the wavefront schedule travel as small ints.
"""
SOFTMIN, HARDMIN, SPARSEMIN = 0, 1, 2
MINIMUM_CODES = {"softmin": SOFTMIN, "hardmin": HARDMIN, "sparsemin": SPARSEMIN}

DIAGONALS, ROWS = 0, 1      # wavefronts: anti-diagonals k = n + m (any steps), or rows k = n (every step advances n)
