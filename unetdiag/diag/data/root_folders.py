"""A dataset root given alone that holds one folder of images and one folder of masks and no
other folder (Kvasir-SEG's ``images/`` and ``masks/``; ISBI 2012 copies laid out so):
read as if the two had been given as ``--images`` and ``--masks``, and said so
(``pairing.root_folders``).

Only where nothing else could be meant: the root holds no image file and exactly two
visible folders, one named as images (:data:`IMAGE_FOLDER_NAMES`) and the other named for
masks (:data:`~unetdiag.diag.data.pairing_rules.MASK_WORDS`, the names the refusal's
``--images``/``--masks`` hint reads so), neither pictures of the labels nor field-of-view
discs, and their files pair one to one (every image a mask, every mask an image, no pairing
warning, no folder inside either). A third folder (DRIVE's ``extra_fov_masks/`` beside
``masks/``, a second annotator, a test split) keeps the refusal, which names the folders to
pass: which set holds the targets is the user's to say.
"""

from __future__ import annotations

from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.folders import VISUALISATION_FOLDERS, Listing, holds_field_of_view
from unetdiag.diag.data.pairing_findings import pairing_finding
from unetdiag.diag.data.pairing_match import PairingResult, file_of
from unetdiag.diag.data.pairing_rules import MASK_WORDS
from unetdiag.diag.wording.text import plural

#: Folder names read as the images' folder of a root (lower case).
IMAGE_FOLDER_NAMES = ("images", "image", "imgs", "img")


def root_folders(listing: Listing) -> tuple[Path, Path] | None:
    """``(images, masks)`` when ``listing`` (a folder given alone) holds no image file and its
    only two visible folders are one named as images and one named for masks that holds
    neither pictures of the labels nor field-of-view discs; None otherwise."""
    if listing.files or len(listing.subfolders) != 2:
        return None
    by_name = {folder.name.lower(): folder for folder in listing.subfolders}
    images = next((by_name[name] for name in IMAGE_FOLDER_NAMES if name in by_name), None)
    if images is None:
        return None
    masks = next(folder for folder in listing.subfolders if folder != images)
    name = masks.name.lower()
    if not MASK_WORDS.search(name) or name in VISUALISATION_FOLDERS:
        return None
    if holds_field_of_view(masks):  # DRIVE's mask/ holds discs, not the targets
        return None
    return images, masks


def pairs_one_to_one(result: PairingResult, images: Listing, masks: Listing) -> bool:
    """Every file of both folders is in a pair, each once, neither holds a folder (class
    folders, a copy of the images: more than one set), and pairing warned of nothing."""
    if images.subfolders or masks.subfolders or any(
            finding.severity != Severity.INFO for finding in result.findings):
        return False
    image_files = {file_of(pair.image) for pair in result.pairs}
    mask_files = {file_of(pair.mask) for pair in result.pairs}
    return (image_files == set(images.files) and mask_files == set(masks.files)
            and len(image_files) == len(mask_files))


def root_folders_finding(root: Path, images: Path, masks: Path, files: int) -> Finding:
    """``pairing.root_folders`` (info): which two folders of the root were read, and why;
    ``files`` is how many each holds."""
    return pairing_finding(
        "pairing.root_folders", Severity.INFO,
        f"Read {images.name}/ and {masks.name}/ of {root.name or root} as the images and "
        "their masks",
        f"{root} holds no image file and two folders, {images.name}/ and {masks.name}/, whose "
        f"{plural(files, 'image')} and {plural(files, 'mask')} pair one to one by name: they "
        f"were read as if given as --images {images} --masks {masks}. A root holding any "
        "other folder beside them (a second set of masks, a test split) is refused instead, "
        "naming the folders to pass.",
        f"Nothing to do if {masks.name}/ holds the targets; to read other folders, pass "
        "--images and --masks.",
        {"images_folder": str(images), "masks_folder": str(masks), "files_each": files}, [])
