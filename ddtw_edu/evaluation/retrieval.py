"""Theme retrieval with subsequence DTW, top-k rates and MRR (Sec. VII-B 2, Table III).

A symbolic query theme (M frames or notes, pitch-class vectors) is matched
against every database recording (N frames of predicted pitch classes): the
distance of a query-document pair is the cost of the best-matching
subsequence of the document [FMP, Sec. 7.2.3]. Ranking the documents by that
distance gives the rank of the document that holds the theme.

Conventions
-----------
- Cost matrices are C[m, n] = c(q_m, x_n), shape (M, N), 0-based: rows are
  query frames, columns database frames (the layout of libfmp's
  ``compute_accumulated_cost_matrix_subsequence_dtw``).
- Steps (1, 0), (0, 1), (1, 1) in (m, n), unit weights, so a query given as a
  note sequence (one row per note) can stretch over many database frames; the
  match may start and end at any database frame.
- Ranks are 1-based: rank 1 is the best.
"""
import numpy as np
from numba import njit


def cosine_distance(Q, X):
    """Cosine distance 1 - <q_m, x_n> / (||q_m|| ||x_n||) between all rows.

    A zero vector (a rest) has no direction; its similarity to anything is
    defined as 0, so its distance is 1.

    Parameters
    ----------
    Q : ndarray, shape (M, K)
    X : ndarray, shape (N, K)

    Returns
    -------
    C : ndarray, shape (M, N)
        Values in [0, 2].
    """
    Q, X = np.asarray(Q, dtype=np.float64), np.asarray(X, dtype=np.float64)
    if Q.ndim != 2 or X.ndim != 2 or Q.shape[1] != X.shape[1]:
        raise ValueError(f"Q and X must have shapes (M, K) and (N, K), got {Q.shape} and {X.shape}")
    C = 1.0 - _unit_rows(Q) @ _unit_rows(X).T
    return np.clip(C, 0.0, 2.0)  # rounding can leave 1 - cos slightly outside [0, 2]


def subsequence_dtw(C):
    """Subsequence DTW: accumulated costs with a free start and end in the database.

    D[0, n] = C[0, n] (the match may start at any n), and for m >= 1
    D[m, n] = C[m, n] + min(D[m-1, n-1], D[m-1, n], D[m, n-1]), where
    the terms that leave the matrix (n = 0) are left out. The match may end at
    any n, so its cost is the minimum of the last row.

    Parameters
    ----------
    C : ndarray, shape (M, N)
        Cost matrix, query frames by database frames.

    Returns
    -------
    D : ndarray, shape (M, N)
        Accumulated cost matrix.
    cost : float
        ``D[M-1, end]``, the cost of the best-matching subsequence.
    end : int
        Database frame where that match ends (the first one on ties).
    """
    C = np.asarray(C, dtype=np.float64)
    if C.ndim != 2 or 0 in C.shape:
        raise ValueError(f"C must have shape (M, N) with M, N >= 1, got {C.shape}")
    if np.isnan(C).any():
        raise ValueError("C must not contain NaN")
    D = _accumulate_subsequence(np.ascontiguousarray(C))
    end = int(np.argmin(D[-1]))
    return D, float(D[-1, end]), end


def subsequence_path(D, end=None):
    """Optimal subsequence DTW path, by backtracking from the last query frame.

    Ties between predecessors go to the diagonal step, then to (m-1, n), then
    to (m, n-1), as in libfmp's ``compute_optimal_warping_path_subsequence_dtw``.

    Parameters
    ----------
    D : ndarray, shape (M, N)
        Accumulated costs from :func:`subsequence_dtw`.
    end : int or None
        Database frame where the path ends; None: the best end, ``argmin D[M-1]``.

    Returns
    -------
    P : ndarray of int, shape (L, 2)
        Cells (m, n) from (0, start) to (M-1, end).
    """
    D = np.asarray(D, dtype=np.float64)
    if D.ndim != 2 or 0 in D.shape:
        raise ValueError(f"D must have shape (M, N) with M, N >= 1, got {D.shape}")
    M, N = D.shape
    n = int(np.argmin(D[-1])) if end is None else end
    if not 0 <= n < N:
        raise ValueError(f"end must be None or a database frame in [0, {N}), got {end!r}")
    m = M - 1
    P = [(m, n)]
    while m > 0:
        if n == 0:
            m -= 1
        else:
            candidates = [(m - 1, n - 1), (m - 1, n), (m, n - 1)]
            m, n = min(candidates, key=lambda cell: D[cell])  # min keeps the first of equal values
        P.append((m, n))
    return np.array(P[::-1])


def compute_matching_distances(queries, documents):
    """Subsequence DTW distance with cosine costs for every query-document pair.

    Parameters
    ----------
    queries : list of ndarray, shapes (M_q, K)
        Query pitch-class sequences.
    documents : list of ndarray, shapes (N_d, K)
        Predicted pitch-class sequences of the database recordings.

    Returns
    -------
    distances : ndarray, shape (n_queries, n_documents)
        ``distances[q, d]`` = cost of the best match of query q in document d.
    """
    if len(queries) == 0 or len(documents) == 0:
        raise ValueError("queries and documents must each hold at least one sequence")
    distances = np.empty((len(queries), len(documents)))
    for q, Q in enumerate(queries):
        for d, X in enumerate(documents):
            distances[q, d] = subsequence_dtw(cosine_distance(Q, X))[1]
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


@njit(cache=True)
def _accumulate_subsequence(C):
    M, N = C.shape
    D = np.empty((M, N))
    D[0] = C[0]
    for m in range(1, M):
        D[m, 0] = D[m - 1, 0] + C[m, 0]
        for n in range(1, N):
            D[m, n] = C[m, n] + min(D[m - 1, n - 1], D[m - 1, n], D[m, n - 1])
    return D
