"""Data sets: format-faithful readers and writers for MTD and SWD (``python -m ddtw_edu.data check``).

mtd     Musical Theme Dataset: themes with aligned notes (MidiTransposition applied in ``notes``)
swd     Schubert Winterreise Dataset: note annotations per recording, the paper's splits
check   detect, validate and summarise a data folder
generate    the default MTD- and SWD-like data sets, generated offline (``python -m ddtw_edu.data make``)
sequences   HCQT features and targets of a data folder, ready for :mod:`.batching`
segments    fixed-length training segments with context frames (SWD)
"""
from .formats import DataFormatError
from .generate import default_dataset, make_dataset
from .mtd import (MTD_SPLIT_PAPER, MTDTheme, load_mtd, read_mtd_alignment, read_mtd_metadata, read_mtd_notes,
                  read_mtd_overview, read_mtd_splits, split_themes, write_mtd_aligned_notes, write_mtd_alignment,
                  write_mtd_metadata, write_mtd_overview, write_mtd_score_notes, write_mtd_split_file,
                  write_mtd_theme)
from .segments import pad_context, segment_item, segment_items
from .sequences import mtd_sequences, swd_sequences
from .swd import (SWD_SPLIT_PAPER, SWD_SPLIT_PUBLIC, SWDItem, load_swd, read_swd_notes, split_items,
                  write_swd_item, write_swd_notes)

__all__ = ["DataFormatError", "MTDTheme", "MTD_SPLIT_PAPER", "load_mtd", "read_mtd_metadata", "read_mtd_notes",
           "read_mtd_alignment", "read_mtd_overview", "read_mtd_splits", "split_themes", "write_mtd_metadata",
           "write_mtd_aligned_notes", "write_mtd_score_notes", "write_mtd_alignment", "write_mtd_overview",
           "write_mtd_split_file", "write_mtd_theme", "SWDItem", "SWD_SPLIT_PAPER", "SWD_SPLIT_PUBLIC",
           "load_swd", "read_swd_notes", "write_swd_notes", "write_swd_item", "split_items", "default_dataset",
           "make_dataset", "mtd_sequences", "swd_sequences", "pad_context", "segment_item", "segment_items"]
