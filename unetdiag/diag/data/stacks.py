"""Multi-page TIFF stacks, paired page by page.

The ISBI 2012 EM challenge ships its 30 training slices as two stacks, ``train-volume.tif``
and ``train-labels.tif``. Read as ordinary files only their first page would count. When an
image and its mask are stacks of the same number of pages, :func:`pair_pages` pairs them page
by page: page ``k`` of the image with page ``k`` of the mask, each named by a page reference
(``train-volume.tif#page=03``, see :func:`~unetdiag.diag.data.reading.page_reference`) that
every reader opens as a one-page file. Stacks whose page counts differ stay one pair (first
pages only) and are reported.

Only TIFF files are looked into (their headers only); an animated GIF mask is not a stack
of labels. A TIFF's pages that are reduced-resolution copies or transparency masks of another
page (a cloud-optimised GeoTIFF's overviews, :mod:`~unetdiag.diag.data.frames`) are not pages
of a stack: they are neither counted nor paired, and page references keep the file's own page
numbers, so they name the right page.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from unetdiag.diag.data.frames import FilePages, file_pages
from unetdiag.diag.data.reading import page_reference

STACK_EXTENSIONS = (".tif", ".tiff")


def stack_pages(path: Path) -> FilePages:
    """The pages of a TIFF file (one page for anything else, and for a file Pillow cannot
    open: the reader will say what is wrong with it)."""
    if path.suffix.lower() not in STACK_EXTENSIONS:
        return FilePages((1,))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(path) as image:
                return file_pages(image)
    except Exception:  # noqa: BLE001 - any failure here is the reader's to report
        return FilePages((1,))


def page_count(path: Path) -> int:
    """Pages of a TIFF file that are images of their own (see :func:`stack_pages`)."""
    return len(stack_pages(path).own)


@dataclass
class PagedPairs:
    """Pairs after stacks were split into pages.

    Attributes:
        pairs: ``(stem, image, mask)``; a page pair's stem is ``<stem>#page=<k>``.
        paged: ``(image, mask, pages)`` of every pair split into pages.
        mismatched: ``(image, image pages, mask, mask pages)`` of pairs left whole because
            their page counts differ (their first pages are used).
        skipped: ``(file, pages)`` of every file with pages that are reduced-resolution
            copies or transparency masks of another (not counted as pages above).
    """

    pairs: list[tuple[str, Path, Path]] = field(default_factory=list)
    paged: list[tuple[Path, Path, int]] = field(default_factory=list)
    mismatched: list[tuple[Path, int, Path, int]] = field(default_factory=list)
    skipped: list[tuple[Path, FilePages]] = field(default_factory=list)


def pair_pages(pairs: Sequence[tuple[str, Path, Path]]) -> PagedPairs:
    """Split every pair of equally long stacks into page pairs (see the module docstring).

    >>> import tempfile
    >>> from PIL import Image
    >>> folder = Path(tempfile.mkdtemp())
    >>> pages = [Image.new("L", (4, 4), value) for value in (0, 80, 160)]
    >>> for name in ("volume.tif", "labels.tif"):
    ...     pages[0].save(folder / name, save_all=True, append_images=pages[1:])
    >>> paged = pair_pages([("volume", folder / "volume.tif", folder / "labels.tif")])
    >>> [(stem, image.name, mask.name) for stem, image, mask in paged.pairs][0]
    ('volume#page=1', 'volume.tif#page=1', 'labels.tif#page=1')
    >>> len(paged.pairs), paged.paged[0][2]
    (3, 3)
    """
    result = PagedPairs()
    for stem, image, mask in pairs:
        image_pages = stack_pages(image)
        mask_pages = image_pages if mask == image else stack_pages(mask)
        files = [(image, image_pages)] + ([(mask, mask_pages)] if mask != image else [])
        result.skipped += [(path, pages) for path, pages in files if pages.skipped]
        image_count, mask_count = len(image_pages.own), len(mask_pages.own)
        if image_count == mask_count > 1:
            result.paged.append((image, mask, image_count))
            # the stem and the image take the image's page numbers, the mask its own
            for image_page, mask_page in zip(image_pages.own, mask_pages.own, strict=True):
                result.pairs.append((
                    str(page_reference(stem, image_page, image_pages.frames)),
                    page_reference(image, image_page, image_pages.frames),
                    page_reference(mask, mask_page, mask_pages.frames)))
        else:
            result.pairs.append((stem, image, mask))
            if max(image_count, mask_count) > 1:
                result.mismatched.append((image, image_count, mask, mask_count))
    return result


def stacks_among(files: Sequence[Path], limit: int = 20) -> list[tuple[Path, int]]:
    """``(file, pages)`` of the multi-page TIFFs among the first ``limit`` TIFF files."""
    tiffs = [path for path in files if path.suffix.lower() in STACK_EXTENSIONS][:limit]
    return [(path, pages) for path in tiffs if (pages := page_count(path)) > 1]
