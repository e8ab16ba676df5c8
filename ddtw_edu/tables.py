"""Results as Markdown tables, which render as tables in Jupyter, Colab, GitHub and the book."""


def markdown_table(header, rows):
    """A Markdown table: the first column left-aligned, all others right-aligned.

    Parameters
    ----------
    header : sequence of str
    rows : sequence of sequences, each as long as ``header``
        Cells are shown as ``str(cell)``.

    Returns
    -------
    str
        Display it with ``IPython.display.Markdown``.
    """
    rows = [[str(cell) for cell in row] for row in rows]
    if any(len(row) != len(header) for row in rows):
        raise ValueError(f"every row must have {len(header)} cells, like the header")
    lines = ["| " + " | ".join(header) + " |", "|:---|" + "---:|" * (len(header) - 1)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
