"""The landing page (book/intro.md): its figure is what book/landing_figure.py draws from the
library, every chapter has a working Colab link, and the citation matches the bibliography."""
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
INTRO = (ROOT / "book" / "intro.md").read_text()


def test_landing_figure_is_drawn_from_the_library(tmp_path):
    fresh = tmp_path / "landing.png"
    run = subprocess.run([sys.executable, str(ROOT / "book" / "landing_figure.py"), str(fresh)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    committed = matplotlib.image.imread(ROOT / "book" / "figures" / "landing.png")
    drawn = matplotlib.image.imread(fresh)
    assert committed.shape == drawn.shape, "run python book/landing_figure.py and commit the figure"
    assert np.abs(committed - drawn).mean() < 1e-3
    assert "figures/landing.png" in INTRO


def test_the_figure_shows_what_its_caption_says():
    """CTC-A gives the frames between labels mostly to the blank; SDTW-E aligns them to both labels."""
    sys.path.insert(0, str(ROOT / "book"))
    from landing_figure import soft_alignments
    E_ctc, E_sdtw, Ye = soft_alignments()
    between = [5, 10]                                      # frames between a and b, b and c
    blanks = [m for m, symbol in enumerate(Ye) if symbol == "ε"]
    assert all(E_ctc[n, blanks].sum() > 0.5 for n in between)
    assert all(np.sort(E_sdtw[n])[-2] > 0.3 for n in between)     # on paths through both labels
    assert all(np.sort(E_sdtw[n])[-2] < 0.05 for n in (2, 7, 12))  # mid-note frames: one label


def test_every_chapter_opens_in_colab_from_the_landing_page():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    chapters = [c["file"] for part in toc["parts"] for c in part["chapters"] if c["file"].startswith("notebooks/")]
    links = re.findall(r"https://colab\.research\.google\.com/github/ddtw-edu/ddtw-edu/blob/main/(\S+?\.ipynb)", INTRO)
    assert links == [f"{c}.ipynb" for c in chapters]
    assert all((ROOT / link).is_file() for link in links)
    assert "{doc}`for_instructors`" in INTRO


def test_the_citation_on_the_landing_page_matches_the_bibliography():
    bib = (ROOT / "book" / "references.bib").read_text()
    entry = re.search(r"@article\{ZeitlerMueller2026,.*?\n\}", bib, re.S)[0]
    shown = re.search(r"```bibtex\n(@article\{ZeitlerMueller2026,.*?\n\})\n```", INTRO, re.S)[1]
    def fields(text):  # a value may wrap onto the next line to fit the page
        found = re.findall(r"(\w+)\s*=\s*\{(.*?)\},?\n(?=\s*\w+\s*=|\})", text, re.S)
        return {name: " ".join(value.split()) for name, value in found}
    assert {"author", "title", "journal", "year", "doi"} <= set(fields(shown))
    assert fields(shown) == fields(entry)
