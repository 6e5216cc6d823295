"""Entries of a dataset folder named like images that are none: a folder named ``x.png``, a
symbolic link that ends in a loop (``a.png -> b.png -> a.png``) and a chain of more symbolic
links than the system follows (40 on Linux; it says ELOOP, "too many levels of symbolic
links", of a loop and of such a chain alike, so a loop is told apart by resolving the links
one by one).
The listing passes them over (:func:`~unetdiag.diag.data.folders.list_folder`: a folder is
not searched, a link the system does not follow to its end opens no file); these findings
name them, so a mask named for one is not left to read as a mask without an image, nor a
link as an image without a mask."""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.reading import SUPPORTED_EXTENSIONS
from unetdiag.diag.wording.text import plural, verb

SOURCE = "pairing"
FOLDER_FINDING_ID = "pairing.folder_named_like_image"
LOOP_FINDING_ID = "pairing.link_loop"
CHAIN_FINDING_ID = "pairing.link_chain_too_long"


def too_many_links(path: Path) -> bool:
    """True when the system gives up following ``path``'s symbolic links (ELOOP): a loop, or
    a chain longer than it follows."""
    try:
        os.stat(path)
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def is_link_loop(path: Path) -> bool:
    """True when ``path``'s symbolic links lead back to one already followed: resolved one by
    one (``realpath``, which has no limit on a chain's length), they still give ELOOP."""
    try:
        os.path.realpath(path, strict=True)
    except OSError as error:
        return error.errno == errno.ELOOP
    return False


def misnamed_entries(ignored: Sequence[Path], subfolders: Sequence[Path]
                     ) -> tuple[list[Finding], list[Path], list[Path]]:
    """The findings of the folders named like images among ``subfolders`` and of the links
    the system does not follow to their end among ``ignored`` (loops, too long chains), and
    the entries left for ``pairing.ignored_files``."""
    folders = [path for path in subfolders if path.suffix.lower() in SUPPORTED_EXTENSIONS]
    unfollowed = [path for path in ignored if too_many_links(path)]
    loops = [path for path in unfollowed if is_link_loop(path)]
    chains = [path for path in unfollowed if path not in loops]
    findings = []
    if folders:
        names = ", ".join(path.name for path in folders)
        title = (f"{folders[0].name} is a folder, not an image" if len(folders) == 1 else
                 f"{plural(len(folders), 'folder')} named like images are folders: {names}")
        findings.append(Finding(
            FOLDER_FINDING_ID, Severity.INFO, title,
            f"{names} {verb(len(folders), 'is a folder', 'are folders')} though named with an "
            f"image's extension, so {verb(len(folders), 'it is', 'they are')} not read as "
            f"{verb(len(folders), 'an image', 'images')}: a mask named for "
            f"{verb(len(folders), 'it', 'one')} is a mask without an image.",
            "Rename the folder, or put the image it stands for in its place.",
            {"folders": len(folders)}, tuple(f"{path}/" for path in folders), SOURCE))
    if loops:
        names = ", ".join(path.name for path in loops)
        findings.append(Finding(
            LOOP_FINDING_ID, Severity.WARNING,
            f"{plural(len(loops), 'symbolic link')} {verb(len(loops), 'ends', 'end')} in a "
            f"loop: {names}",
            f"Following {verb(len(loops), 'it', 'each of them')} leads from link to link and "
            "never to a file (too many levels of symbolic links), so "
            + verb(len(loops), "it is neither an image nor a mask",
                   "they are neither images nor masks") + " and not used.",
            "Point each link at the image or mask it stands for, or remove it.",
            {"link_loops": len(loops)}, tuple(str(path) for path in loops), SOURCE))
    if chains:
        names = ", ".join(path.name for path in chains)
        findings.append(Finding(
            CHAIN_FINDING_ID, Severity.WARNING,
            f"{plural(len(chains), 'symbolic link')} through more links than the system "
            f"follows: {names}",
            f"Following {verb(len(chains), 'it', 'each of them')} passes more symbolic links "
            "than the system follows (40 on Linux: too many levels of symbolic links), though "
            f"{verb(len(chains), 'its chain is no loop', 'none of their chains is a loop')}, so "
            + verb(len(chains), "it is neither an image nor a mask",
                   "they are neither images nor masks") + " and not used.",
            "Point each link at the file at its chain's end, or remove it.",
            {"link_chains_too_long": len(chains)}, tuple(str(path) for path in chains),
            SOURCE))
    return (findings, [path for path in ignored if path not in unfollowed],
            [path for path in subfolders if path not in folders])
