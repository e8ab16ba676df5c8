"""The book builds strictly (warnings are errors, nitpicky references) and contains every chapter.

The build itself is the session fixture ``built_book`` (conftest.py), shared with the browser test.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["book/intro", "book/notation", "notebooks/01_ctc_revisited", "notebooks/02_soft_dtw_revisited",
         "notebooks/03_from_ctc_to_sdtw", "notebooks/04_ddtw", "notebooks/05_label_probabilities_and_costs",
         "notebooks/06_making_it_fast", "notebooks/07_mtd_main_melody", "notebooks/08_swd_pitch_classes",
         "notebooks/09_beyond_the_paper"]


def test_book_builds_without_warnings(built_book):
    hint = "" if (ROOT / "_build" / "vendor" / "static").is_dir() else \
        "the book's MathJax and widget manager are missing: run `make vendor`\n"
    assert built_book.returncode == 0, f"{hint}jupyter-book build failed:\n{built_book.log[-8000:]}"
    assert "build succeeded" in built_book.log
    html = built_book.html
    for page in PAGES:
        assert (html / f"{page}.html").is_file(), f"missing page {page}.html"
    chapter = (html / "notebooks" / "01_ctc_revisited.html").read_text()
    assert "sd-dropdown" in chapter                   # the exercise solution is a collapsed dropdown
    for page in PAGES[2:]:                            # every chapter has its dropdown solution
        assert "sd-dropdown" in (html / f"{page}.html").read_text(), f"no dropdown solution in {page}"


def test_book_loads_no_script_or_style_from_a_cdn(built_book):
    """MathJax and the widget manager are served by the book itself (``make vendor``), so pages render offline."""
    external = re.compile(r'<(?:script|link)\b[^>]*\b(?:src|href)="(?:https?:)?//[^"]*\.(?:js|css)\b[^"]*"')
    for page in PAGES:
        found = external.findall((built_book.html / f"{page}.html").read_text())
        assert not found, f"{page}.html loads from outside the book: {found}"
