"""The paper's published results (Tables III and IV), to print beside a rerun.

Numbers are from Zeitler & Müller (IEEE TASLP 2026), measured on the real MTD
with the Table II network: accuracy as mean and best of five runs; retrieval
of the run with the lowest validation loss; LER as mean and best of five
runs. Fig. 11 (SWD) is a bar chart whose values the text gives only in part.

Book: chapter 7, "What the paper found".
"""
TABLE_III_COLUMNS = ("accuracy_mean", "accuracy_best", "top1", "top10", "top50", "mrr")
TABLE_III = {
    "CTC-A": (0.473, 0.574, 0.870, 0.939, 0.963, 0.895),
    "CTC-B": (0.555, 0.583, 0.832, 0.923, 0.952, 0.864),
    "CTC-C": (0.588, 0.590, 0.795, 0.894, 0.941, 0.830),
    "SDTW-D": (0.657, 0.661, 0.856, 0.936, 0.957, 0.889),
    "SDTW-E": (0.648, 0.654, 0.870, 0.939, 0.960, 0.893),
    "CTC-A-W": (0.230, 0.230, 0.000, 0.000, 0.048, 0.005),
    "CTC-B-W": (0.228, 0.230, 0.000, 0.005, 0.082, 0.007),
    "CTC-C-W": (0.311, 0.646, 0.843, 0.926, 0.963, 0.871),
    "SDTW-D-W": (0.650, 0.655, 0.891, 0.944, 0.957, 0.908),
    "SDTW-E-W": (0.643, 0.650, 0.864, 0.934, 0.963, 0.889),
    "EM": (0.653, 0.657, 0.888, 0.949, 0.973, 0.907),
    "strong": (0.676, 0.679, 0.878, 0.947, 0.968, 0.901),
}

TABLE_IV_COLUMNS = ("ler_greedy_mean", "ler_greedy_best", "ler_beam_mean", "ler_beam_best")
TABLE_IV = {
    "CTC-A": (0.282, 0.212, 0.256, 0.189),
    "CTC-B": (0.251, 0.220, 0.431, 0.207),
    "CTC-C": (0.271, 0.257, 0.618, 0.594),
    "SDTW-D": (0.281, 0.275, 0.437, 0.428),
    "SDTW-E": (0.285, 0.266, 0.415, 0.400),
    "CTC-A-W": (0.500, 0.500, 1.999, 1.997),
    "CTC-B-W": (0.476, 0.470, 1.793, 1.288),
    "CTC-C-W": (0.433, 0.276, 1.893, 0.955),
    "SDTW-D-W": (0.282, 0.270, 0.938, 0.925),
    "SDTW-E-W": (0.278, 0.271, 1.013, 0.967),
    "EM": (0.577, 0.550, 0.691, 0.663),
    "strong": (0.263, 0.256, 0.752, 0.724),
}

# Fig. 11 in the text (Sec. VII-C): CTC-A's test F-measure is "relatively low at 0.81" with high
# variance; SDTW-E-W's best run exceeds 0.84, close to the strong baseline.
FIG_11_TEXT = {"CTC-A": 0.81, "SDTW-E-W": 0.84}

__all__ = ["TABLE_III", "TABLE_III_COLUMNS", "TABLE_IV", "TABLE_IV_COLUMNS", "FIG_11_TEXT"]
