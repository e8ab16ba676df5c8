"""The backends that run the dDTW recursion, and the one contract they share.

=========  ==========================  =====================================================
name       module                      what it is
=========  ==========================  =====================================================
"numpy"    :mod:`.numpy_reference`     the reference (:mod:`ddtw_edu.reference`), item by item
"numba"    :mod:`.numba_cpu`           batched on the CPU: SIMD over items, threads over groups
"cuda"     :mod:`.cuda_gpu`            Numba-CUDA kernels, one block per (item, strip of columns)
=========  ==========================  =====================================================

Shared pieces: :class:`.problem.BatchProblem` (what a backend solves),
:class:`.gathered.GatheredCosts` (CTC costs read through the labels) and
:mod:`.kernel_codes` (the ints the compiled kernels take). :mod:`.numba_simple`
is a plain Numba transcription of the reference for teaching, not a backend.

The contract
------------
:func:`get_backend` returns the module of a name. Each backend module has:

``forward(C, problem) -> (values, state)``
    Algorithm 1 for a batch. ``C`` holds the costs of shape (B, N, M),
    float32 or float64: a NumPy array (``"cuda"`` also takes a torch CUDA
    tensor), or a :class:`.gathered.GatheredCosts`. ``problem`` is a
    :class:`.problem.BatchProblem`; item b is ``C[b, :N_lengths[b],
    :M_lengths[b]]``. ``values``: float64 (B,), dDTW of each item (Eq. 17),
    ``inf`` where no valid path exists (for a torch CUDA C, a tensor on its
    device; else an ndarray). ``state`` is the backend's own
    object, holding what the backward pass needs.
``backward(state, grad_values, return_E=False) -> H`` or ``(H, E)``
    Algorithm 2: ``H[b] = grad_values[b] * d dDTW_b / d C_b`` (Eq. 18), shape
    (B, N, M), zero outside each item's lengths; for gathered costs the
    gradient with respect to ``log_probs`` (T, B, K) instead. With
    ``return_E`` also the soft alignments E (B, N, M) of Eq. (19), not
    scaled. A state serves more than one backward pass (autograd's
    ``retain_graph``), except a gathered one of ``"numba"``, which raises.
``unpack_first_item(state) -> (D, G, B)``
    D (Eq. 15) of item 0, shape (N, M); G (Eq. 23) and the backtracking
    tensor B (Eq. 16) only from ``"numpy"`` (G after a backward pass), else
    None: the fast backends recompute B instead of storing it.
``is_available() -> bool`` and ``RUNS_ON`` (``"cpu"`` or ``"cuda"``)
    Whether the backend can run here, and where its arrays live: a
    ``"cuda"`` backend takes torch CUDA tensors as they are, the others
    NumPy arrays on the host.

Every backend keeps the same rules (the tests hold them to the reference):
blocked steps (weight ``inf``) and cells outside an item's lengths are
masked, never multiplied; the minimum functions follow the one contract of
:mod:`ddtw_edu.minimum` (infinite candidates get no weight; hardmin picks
the first minimal candidate). Precision: ``"numpy"`` and ``"numba"``
compute in float64 whatever C's dtype, and ``"cuda"`` in C's dtype; H comes
in C's dtype (``"numpy"``: float64; for gathered costs, in the dtype of
``log_probs``).

Book: chapter 6, "Do the backends agree?".
"""
import importlib

BACKENDS = ("numpy", "numba", "cuda")
_MODULES = {"numpy": "numpy_reference", "numba": "numba_cpu", "cuda": "cuda_gpu"}


def get_backend(backend):
    """The backend module of a name in ``BACKENDS``, imported on first use.

    Raises a ValueError for an unknown name, or for ``"cuda"`` where no
    NVIDIA GPU (or Numba's CUDA simulator) is available.
    """
    if not isinstance(backend, str) or backend not in _MODULES:
        raise ValueError(f"backend must be one of {BACKENDS}, got {backend!r}")
    module = importlib.import_module(f".{_MODULES[backend]}", __name__)
    if not module.is_available():
        raise ValueError(f"backend {backend!r} needs an NVIDIA GPU with a working CUDA driver (none found); "
                         "use 'numba' or 'numpy'")
    return module


def __getattr__(name):
    """A submodule used as an attribute (``ddtw_edu.backends.numba_cpu``), imported on first use."""
    if not name.startswith("_"):
        try:
            return importlib.import_module(f".{name}", __name__)
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["BACKENDS", "get_backend"]
