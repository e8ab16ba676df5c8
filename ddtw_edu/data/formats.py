"""Shared pieces of the MTD and SWD text formats: the error type and `;`-table parsing.

Both data sets store their annotations as small `;`-separated text files with one
header line. Every reader in this package goes through these helpers, so that a
malformed file always gives a :class:`DataFormatError` naming the file and the
1-based line number (line 1 is the header).
"""
import math
from pathlib import Path


class DataFormatError(ValueError):
    """A data file breaks its format; the message names the file and the 1-based line.

    Parameters
    ----------
    path : str or Path
        The offending file.
    line : int or None
        1-based line number (1 is the header), or None when the problem is not on one line
        (a missing file, a missing JSON key).
    message : str
        What is wrong, in words.
    """

    def __init__(self, path, line, message):
        self.path = Path(path)
        self.line = line
        where = f"{path}, line {line}" if line is not None else f"{path}"
        super().__init__(f"{where}: {message}")


def read_lines(path):
    """Lines of a UTF-8 text file without their line endings (LF or CRLF).

    A final line ending does not give an extra empty line, so ``lines[n - 1]`` is line n.
    """
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataFormatError(path, data[:exc.start].count(b"\n") + 1, "not valid UTF-8 text") from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line[:-1] if line.endswith("\r") else line for line in lines]


def unquote(text):
    """``"piano"`` -> ``piano``; text without surrounding double quotes is returned unchanged."""
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def _wrong_separator(line, sep):
    """The separator a line seems to use instead of ``sep``, or None."""
    if sep in line:
        return None
    for other in (",", "\t"):
        if other in line:
            return other
    return None


def check_header(path, lines, columns, sep=";"):
    """Check that line 1 names exactly ``columns`` (quoted or not), in order."""
    expected = sep.join(columns)
    if not lines:
        raise DataFormatError(path, 1, f"empty file, expected the header {expected!r}")
    other = _wrong_separator(lines[0], sep)
    if other is not None:
        raise DataFormatError(path, 1, f"wrong separator {other!r} in the header, expected {sep!r}")
    names = [unquote(name) for name in lines[0].split(sep)]
    for column in columns:
        if column not in names:
            raise DataFormatError(path, 1, f"missing column {column!r}: header is {lines[0]!r}, "
                                           f"expected {expected!r}")
    if names != list(columns):
        raise DataFormatError(path, 1, f"header is {lines[0]!r}, expected the columns {expected!r}")


def split_row(path, line_no, line, n_fields, sep=";"):
    """The ``n_fields`` fields of one data line."""
    other = _wrong_separator(line, sep)
    if other is not None:
        raise DataFormatError(path, line_no, f"wrong separator {other!r}, expected {sep!r}")
    fields = line.split(sep)
    if len(fields) != n_fields:
        raise DataFormatError(path, line_no, f"expected {n_fields} fields separated by {sep!r}, "
                                             f"found {len(fields)}")
    return fields


def parse_float(path, line_no, column, text):
    """A finite float, or a DataFormatError naming the column."""
    try:
        value = float(text)
    except ValueError:
        raise DataFormatError(path, line_no, f"non-numeric value {text!r} in column {column!r}") from None
    if not math.isfinite(value):
        raise DataFormatError(path, line_no, f"non-finite value {text!r} in column {column!r}")
    return value


def parse_pitch(path, line_no, column, text):
    """A MIDI pitch written as an integer in 0..127."""
    try:
        pitch = int(text)
    except ValueError:
        raise DataFormatError(path, line_no, f"column {column!r} must be an integer MIDI pitch, "
                                             f"got {text!r}") from None
    if not 0 <= pitch <= 127:
        raise DataFormatError(path, line_no, f"MIDI pitch {pitch} in column {column!r} is outside 0..127")
    return pitch


def to_integer_pitches(notes, column, name):
    """Column ``column`` of a (K, >=3) note array as ints; ValueError naming ``name`` otherwise."""
    pitches = notes[:, column]
    if not (pitches == pitches.round()).all() or (pitches < 0).any() or (pitches > 127).any():
        raise ValueError(f"{name} must hold integer MIDI pitches 0..127 in column {column}")
    return pitches.astype(int)


def write_text(path, text, newline="\n"):
    """Write ``text`` (LF line ends) as UTF-8 with ``newline`` line ends; create parent folders."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return path
