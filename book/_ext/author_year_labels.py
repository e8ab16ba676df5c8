"""Sphinx extension: bibliography entries labelled by author and year.

The book cites in author-year form ("Zeitler and Müller, 2026"), but pybtex's
stock styles label the bibliography list with alpha codes ("ZMuller26"). This
registers the pybtex style ``author_year``: the ``plain`` formatting, sorted by
author, year and title, with labels "Graves et al. 2006", "Cuturi and Blondel
2017". Select it with ``bibtex_default_style: author_year``.
"""
from collections import Counter

from pybtex.plugin import register_plugin
from pybtex.richtext import Text
from pybtex.style.formatting.plain import Style as PlainStyle
from pybtex.style.labels import BaseLabelStyle


def _surname(person):
    return Text.from_latex(" ".join(person.prelast_names + person.last_names)).render_as("text")


def author_year_label(entry):
    """``"A 2001"``, ``"A and B 2001"`` or ``"A et al. 2001"`` for one entry."""
    names = [_surname(p) for p in entry.persons.get("author") or entry.persons.get("editor", [])]
    if len(names) > 2 or "others" in names:          # bibtex's "and others" is "et al." too
        authors = f"{names[0]} et al."
    else:
        authors = " and ".join(names) or entry.fields.get("key", "Anon.")
    return f"{authors} {entry.fields.get('year', 'n.d.')}"


class AuthorYearLabelStyle(BaseLabelStyle):
    def format_labels(self, sorted_entries):
        labels = [author_year_label(entry) for entry in sorted_entries]
        repeated = Counter(labels)
        suffix = Counter()
        for label in labels:                      # "Müller 2021a", "Müller 2021b" when they collide
            if repeated[label] > 1:
                suffix[label] += 1
                label += "abcdefghijklmnopqrstuvwxyz"[suffix[label] - 1]
            yield label


class AuthorYearStyle(PlainStyle):
    default_label_style = "author_year"


def setup(app):
    register_plugin("pybtex.style.labels", "author_year", AuthorYearLabelStyle)
    register_plugin("pybtex.style.formatting", "author_year", AuthorYearStyle)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
