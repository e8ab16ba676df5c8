"""Fetch the real MTD or SWD for Colab users. Never used by the tests or the default path.

Nothing in ``ddtw_edu`` downloads on its own: the default data set is generated locally. Call
:func:`download_dataset` yourself when you want the real data (respect the data sets' licences).
"""
import hashlib
import shutil
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from .check import detect_layout

DATASETS = {
    "mtd": {
        "page": "https://www.audiolabs-erlangen.de/resources/MIR/MTD",
        # The landing page links the archive, but its direct address could not be verified here;
        # download by hand from the page, or pass url= once you know it.
        "url": None,
        "md5": None,
    },
    "swd": {
        "page": "https://zenodo.org/record/5139893",
        # Version 2.0 on Zenodo, the address used by other public SWD loaders.
        "url": "https://zenodo.org/record/5139893/files/Schubert_Winterreise_Dataset_v2-0.zip",
        # Zenodo lists an md5 for the file, but it could not be fetched here, so none is checked.
        "md5": None,
    },
}


def _md5(path):
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def find_dataset_root(folder):
    """The MTD or SWD root at ``folder`` or up to two levels below it, or None."""
    folder = Path(folder)
    for candidate in [folder, *sorted(folder.glob("*")), *sorted(folder.glob("*/*"))]:
        try:
            detect_layout(candidate)
            return candidate
        except (ValueError, OSError):
            continue
    return None


def download_dataset(name, root, url=None, md5=None, timeout=60):
    """Download and unpack ``"mtd"`` or ``"swd"`` into ``root``; return the data set root.

    Parameters
    ----------
    name : {"mtd", "swd"}
    root : str or Path
        Folder to download into; an already unpacked data set there is reused.
    url, md5 : str, optional
        Override the archive address and its expected md5 (see :data:`DATASETS`).
    timeout : float
        Seconds to wait for the server.

    Returns
    -------
    Path
        The folder to pass to ``load_mtd``/``load_swd`` or ``python -m ddtw_edu.data check``.
    """
    if name not in DATASETS:
        raise ValueError(f"name must be one of {sorted(DATASETS)}, got {name!r}")
    info = DATASETS[name]
    url, md5 = url or info["url"], md5 or info["md5"]
    root = Path(root)
    found = find_dataset_root(root) if root.is_dir() else None
    if found is not None:
        return found
    if url is None:
        raise ValueError(f"there is no verified archive address for {name.upper()}: download it by hand "
                         f"from {info['page']}, unpack it under {root} and run "
                         f"`python -m ddtw_edu.data check <folder>`, or pass url=")
    root.mkdir(parents=True, exist_ok=True)
    archive = root / url.rsplit("/", 1)[-1].split("?")[0]
    if not archive.is_file():
        partial = archive.with_name(archive.name + ".part")
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response, open(partial, "wb") as f:
                shutil.copyfileobj(response, f)
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            partial.unlink(missing_ok=True)
            raise ConnectionError(f"could not download {name.upper()} from {url} ({exc}). Are you offline? "
                                  f"Nothing in ddtw_edu needs the download: the default data set is "
                                  f"generated locally. To use the real data, fetch it from {info['page']} "
                                  f"and unpack it under {root}.") from exc
        partial.replace(archive)
    if md5 is not None and _md5(archive) != md5:
        raise ValueError(f"checksum mismatch for {archive}: md5 is {_md5(archive)}, expected {md5}; "
                         "delete the file and download again")
    with zipfile.ZipFile(archive) as z:
        z.extractall(root)
    found = find_dataset_root(root)
    if found is None:
        raise ValueError(f"unpacked {archive.name} into {root}, but found no MTD or SWD root in it")
    return found
