"""Theme retrieval with subsequence dDTW, top-k rates and MRR (Sec. VII-B 2, Table III).

A symbolic query theme Y (M notes, pitch-class vectors) is matched against
every database recording X (N frames of predicted pitch classes): the
distance of a query-document pair is the cost of the best-matching
subsequence of the document, subsequence DTW [FMP, Sec. 7.2.3]. It is the
library's own dDTW (Algorithm 1) with the hard minimum, the steps of SDTW-E
with unit weights, and the boundary sets of
``sdtw_config(N, M, subsequence=True)``: the match may start and end at any
database frame. Ranking the documents by that distance gives the rank of the
document that holds the theme.

Conventions
-----------
- Cost matrices are C[n, m] = c(x_n, y_m), shape (N, M), 0-based, as
  everywhere in the library: rows are database frames n, columns query notes
  m. (libfmp and librosa put the query first; their matrices are C.T.)
- Steps (1, 0), (0, 1), (1, 1), unit weights, so a query given as a note
  sequence (one column per note) can stretch over many database frames.
- Costs are cosine distances in [0, 2]. With costs >= 0 a path gains nothing
  by entering a cell (n, 0) from the frame before, so D[n, 0] = C[n, 0], as
  in libfmp.
- Ranks are 1-based: rank 1 is the best.

Book: chapter 7, "Single-label: the main melody (MTD)"; chapter 9, "Subsequence dDTW".
"""
import numpy as np

from ..alignment import ddtw
from ..backends import get_backend
from ..backends.problem import BatchProblem
from ..configs import sdtw_config

# One call of the recursion takes DOCUMENTS_PER_CALL documents of similar length
# with QUERIES_PER_CALL queries of similar length (every pair of them): little
# padding, and several lane groups of the "numba" backend to run in parallel.
DOCUMENTS_PER_CALL = 8
QUERIES_PER_CALL = 4


def cosine_distance(X, Y):
    """Cosine distance 1 - <x_n, y_m> / (||x_n|| ||y_m||) between all rows.

    A zero vector (a rest) has no direction; its similarity to anything is
    defined as 0, so its distance is 1.

    Parameters
    ----------
    X : ndarray, shape (N, K)
        Database frames.
    Y : ndarray, shape (M, K)
        Query notes.

    Returns
    -------
    C : ndarray, shape (N, M)
        Values in [0, 2].
    """
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(f"X and Y must have shapes (N, K) and (M, K), got {X.shape} and {Y.shape}")
    return _distance_of_unit_rows(_unit_rows(X), _unit_rows(Y))


def _subsequence_problem(N_lengths, M_lengths, N, M):
    """The BatchProblem of subsequence DTW (SDTW-E steps, unit weights, hard minimum) for padded size (N, M)."""
    configs = [sdtw_config(N_b, M_b, "SDTW-E", subsequence=True) for N_b, M_b in zip(N_lengths, M_lengths)]
    return BatchProblem.from_configs(configs, N_lengths, M_lengths, N, M, minimum="hardmin")


def subsequence_dtw(C, backend="numba"):
    """Subsequence DTW: accumulated costs with a free start and end in the database.

    dDTW (:func:`ddtw_edu.ddtw`) with the hard minimum and the blocks of
    ``sdtw_config(N, M, "SDTW-E", subsequence=True)``: for costs >= 0,
    D[n, 0] = C[n, 0] (the match may start at any n), and for m >= 1
    D[n, m] = C[n, m] + min(D[n-1, m], D[n, m-1], D[n-1, m-1]), where the
    terms that leave the matrix (n = 0) are left out. The match may end at
    any n, so its cost is the minimum of the last column.

    Parameters
    ----------
    C : ndarray, shape (N, M)
        Cost matrix, database frames by query notes; finite.
    backend : {"numba", "numpy", "cuda"}
        The backend of :func:`ddtw_edu.ddtw`.

    Returns
    -------
    D : ndarray, shape (N, M)
        Accumulated cost matrix (Eq. 15).
    cost : float
        ``D[end, M-1]``, the cost of the best-matching subsequence.
    end : int
        Database frame where that match ends (the first one on ties).
    """
    C = np.asarray(C, dtype=np.float64)
    if C.ndim != 2 or 0 in C.shape:
        raise ValueError(f"C must have shape (N, M) with N, M >= 1, got {C.shape}")
    if not np.isfinite(C).all():
        raise ValueError("C must be finite (no NaN or inf)")
    N, M = C.shape
    result = ddtw(C, **sdtw_config(N, M, "SDTW-E", subsequence=True)._asdict(), minimum="hardmin",
                  backend=backend)
    end = int(np.argmin(result.D[:, -1]))
    return result.D, result.value, end


def subsequence_path(D, end=None):
    """Optimal subsequence DTW path, by backtracking from the last query note.

    Ties between predecessors go to the diagonal step, then to (n, m-1), then
    to (n-1, m), as in libfmp's ``compute_optimal_warping_path_subsequence_dtw``
    (there with the query first).

    Parameters
    ----------
    D : ndarray, shape (N, M)
        Accumulated costs from :func:`subsequence_dtw`.
    end : int or None
        Database frame where the path ends; None: the best end, ``argmin D[:, M-1]``.

    Returns
    -------
    P : ndarray of int, shape (L, 2)
        Cells (n, m) from (start, 0) to (end, M-1).
    """
    D = np.asarray(D, dtype=np.float64)
    if D.ndim != 2 or 0 in D.shape:
        raise ValueError(f"D must have shape (N, M) with N, M >= 1, got {D.shape}")
    N, M = D.shape
    n = int(np.argmin(D[:, -1])) if end is None else end
    if not 0 <= n < N:
        raise ValueError(f"end must be None or a database frame in [0, {N}), got {end!r}")
    m = M - 1
    P = [(n, m)]
    while m > 0:
        if n == 0:
            m -= 1
        else:
            candidates = [(n - 1, m - 1), (n, m - 1), (n - 1, m)]
            n, m = min(candidates, key=lambda cell: D[cell])  # min keeps the first of equal values
        P.append((n, m))
    return np.array(P[::-1])


def compute_matching_distances(queries, documents, backend="numba"):
    """Subsequence DTW distance with cosine costs for every query-document pair.

    The value of :func:`subsequence_dtw` for each pair, computed by the
    backend's forward pass (Algorithm 1) on batches of pairs: documents of
    similar length with queries of similar length.

    Parameters
    ----------
    queries : list of ndarray, shapes (M_q, K)
        Query pitch-class sequences, M_q >= 1.
    documents : list of ndarray, shapes (N_d, K)
        Predicted pitch-class sequences of the database recordings, N_d >= 1.
    backend : {"numba", "numpy", "cuda"}
        A backend of :mod:`ddtw_edu.backends`.

    Returns
    -------
    distances : ndarray, shape (n_queries, n_documents)
        ``distances[q, d]`` = cost of the best match of query q in document d.
    """
    if len(queries) == 0 or len(documents) == 0:
        raise ValueError("queries and documents must each hold at least one sequence")
    Y_units = [_unit_rows(_check_sequence(Y, "queries")) for Y in queries]
    X_units = [_unit_rows(_check_sequence(X, "documents")) for X in documents]
    K = X_units[0].shape[1]
    if any(Z.shape[1] != K for Z in Y_units + X_units):
        raise ValueError(f"queries and documents must all have the same K, got "
                         f"{sorted({Z.shape[1] for Z in Y_units + X_units})}")
    run = get_backend(backend)
    N_lengths = np.array([len(X) for X in X_units])
    M_lengths = np.array([len(Y) for Y in Y_units])
    documents_by_length = np.argsort(N_lengths, kind="stable")
    queries_by_length = np.argsort(M_lengths, kind="stable")
    distances = np.empty((len(queries), len(documents)))
    for first in range(0, len(documents), DOCUMENTS_PER_CALL):
        batch = documents_by_length[first:first + DOCUMENTS_PER_CALL]
        N = int(N_lengths[batch].max())
        X_batch = np.zeros((len(batch), N, K))          # rows past N_d stay zero; their cells are never read
        for b, d in enumerate(batch):
            X_batch[b, : N_lengths[d]] = X_units[d]
        for first_query in range(0, len(queries), QUERIES_PER_CALL):
            chunk = queries_by_length[first_query:first_query + QUERIES_PER_CALL]
            M = int(M_lengths[chunk].max())
            C = np.zeros((len(chunk), len(batch), N, M))    # item (i, b): query chunk[i], document batch[b]
            for i, q in enumerate(chunk):
                C[i, :, :, : M_lengths[q]] = _distance_of_unit_rows(X_batch, Y_units[q])
            problem = _subsequence_problem(np.tile(N_lengths[batch], len(chunk)),
                                           np.repeat(M_lengths[chunk], len(batch)), N, M)
            values = run.forward(C.reshape(-1, N, M), problem)[0]
            distances[np.ix_(chunk, batch)] = values.reshape(len(chunk), len(batch))
    return distances


def retrieval_ranks(distances, relevant):
    """Rank of each query's relevant document when documents are sorted by distance.

    Ties count in the query's favour: the rank is 1 plus the number of
    documents strictly closer than the relevant one.

    Parameters
    ----------
    distances : ndarray, shape (n_queries, n_documents)
    relevant : sequence of int, shape (n_queries,)
        Index of the relevant document of each query.

    Returns
    -------
    ranks : ndarray of int, shape (n_queries,)
        1-based ranks.
    """
    distances = np.asarray(distances, dtype=np.float64)
    relevant = np.asarray(relevant)
    if distances.ndim != 2 or relevant.shape != distances.shape[:1]:
        raise ValueError("distances must have shape (n_queries, n_documents) and relevant shape (n_queries,), "
                         f"got {distances.shape} and {relevant.shape}")
    if np.isnan(distances).any():
        raise ValueError("distances must not contain NaN")
    if relevant.size and (not np.issubdtype(relevant.dtype, np.integer)
                          or relevant.min() < 0 or relevant.max() >= distances.shape[1]):
        raise ValueError(f"relevant must hold document indices in [0, {distances.shape[1]})")
    relevant_distance = distances[np.arange(len(relevant)), relevant]
    return 1 + np.count_nonzero(distances < relevant_distance[:, None], axis=1)


def retrieval_metrics(ranks, ks=(1, 10, 50)):
    """Top-k retrieval rates and mean reciprocal rank (MRR), the columns of Table III.

    Parameters
    ----------
    ranks : sequence of int, shape (n_queries,)
        1-based ranks from :func:`retrieval_ranks`.
    ks : sequence of int
        Cut-offs k >= 1.

    Returns
    -------
    metrics : dict
        ``"top{k}"``: fraction of queries with rank <= k, for each k;
        ``"mrr"``: mean of 1 / rank.
    """
    ranks = np.asarray(ranks)
    if ranks.ndim != 1 or ranks.size == 0 or not np.issubdtype(ranks.dtype, np.integer) or ranks.min() < 1:
        raise ValueError("ranks must be a non-empty 1-D sequence of integers >= 1")
    if any(isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1 for k in ks):
        raise ValueError(f"ks must be integers >= 1, got {ks!r}")
    metrics = {f"top{k}": float(np.mean(ranks <= k)) for k in ks}
    metrics["mrr"] = float(np.mean(1.0 / ranks))
    return metrics


def _unit_rows(X):
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return np.divide(X, norms, out=np.zeros_like(X), where=norms > 0)


def _distance_of_unit_rows(X, Y):
    """1 - <x, y> for rows of unit length (or zero), X of shape (..., N, K), Y (M, K): shape (..., N, M)."""
    return np.clip(1.0 - X @ Y.T, 0.0, 2.0)   # rounding can leave 1 - cos slightly outside [0, 2]


def _check_sequence(X, name):
    """One query or document as a float64 (length, K) array: at least one row, finite."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or 0 in X.shape:
        raise ValueError(f"{name} must hold arrays of shape (length, K) with length, K >= 1, got {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return X
