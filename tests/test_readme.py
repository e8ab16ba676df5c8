"""The README's usage example runs as shown and computes what it says."""
import re
from pathlib import Path

import numpy as np
import torch

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_example_runs_and_matches_torch_ctc():
    code = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)[0]
    namespace = {}
    exec(compile(code, str(README), "exec"), namespace)
    expected = torch.nn.functional.ctc_loss(namespace["log_probs"], namespace["targets"],
                                            namespace["input_lengths"], namespace["target_lengths"])
    torch.testing.assert_close(namespace["loss"], expected, rtol=1e-5, atol=1e-5)
    assert namespace["values"].shape == (4,)
    res = namespace["res"]
    assert res.H.shape == (40, 12) and np.isfinite(res.value)
