"""The pairing findings of multi-page TIFF files: stacks paired page by page, stacks whose
page counts differ, and reduced-resolution or transparency pages left out."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.core.findings import Finding, Severity
from unetdiag.diag.data.frames import FilePages
from unetdiag.diag.data.pairing_findings import MAX_LISTED_FILES, names, pairing_finding
from unetdiag.diag.data.reading import page_reference
from unetdiag.diag.wording.text import plural, verb


def stack_pages(paged: Sequence[tuple[Path, Path, int]], pair_count: int,
                whole_cases: bool = False) -> Finding:
    """``pairing.stack_pages``: stacks paired page by page (``whole_cases``: in case folders,
    which the split keeps whole)."""
    image, mask, pages = paged[0]
    page_counts = sorted({count for _, _, count in paged})
    pages_text = (f"{page_counts[0]} pages" if len(page_counts) == 1
                  else f"{page_counts[0]} to {page_counts[-1]} pages")
    return pairing_finding(
        "pairing.stack_pages", Severity.INFO,
        f"{plural(len(paged), 'image')} and {verb(len(paged), 'its mask are', 'their masks are')}"
        f" TIFF stacks of {pages_text}, paired page by page ({plural(pair_count, 'pair')} in "
        "all)",
        f"{image.name} and {mask.name} hold {pages} pages each: page k of the image is paired "
        f"with page k of the mask, named {page_reference(image, 1, pages).name} and so on in "
        "findings and data.json. " + (
            "The pages of a case folder stay on one side of the split." if whole_cases else
            "Pages are split between training and validation one by one; neighbouring "
            "slices of a volume can look alike, which makes validation scores optimistic."),
        "Nothing to do." if whole_cases else "Nothing to do; to validate on slices far from "
        "the training ones, put them in a stack (or folder) of their own.",
        {"stacks": len(paged), "pages": {str(image): count for image, _, count in paged}},
        [str(image) for image, _, _ in paged])


def stack_mismatch(mismatched: Sequence[tuple[Path, int, Path, int]]) -> Finding:
    """``pairing.stack_mismatch``: a stack paired with a mask of another page count."""
    image, image_pages, mask, mask_pages = mismatched[0]
    count = len(mismatched)
    return pairing_finding(
        "pairing.stack_mismatch", Severity.WARNING,
        f"{plural(count, 'pair')} of multi-page files cannot be paired page by page; only "
        "their first pages are used",
        f"{image} has {plural(image_pages, 'page')} and its mask {mask} "
        f"{plural(mask_pages, 'page')}: pages are paired one by one only when image and mask "
        "hold as many; as it is, only the first page of each is read, and every statistic "
        f"rests on it.{_page_reading(mismatched)}",
        _page_fix(mismatched),
        {"pairs": count, "pages": {str(image): [image_pages, mask_pages]
                                   for image, image_pages, _, mask_pages in mismatched}},
        [str(image) for image, _, _, _ in mismatched])


def _one_page_images(mismatched: Sequence[tuple[Path, int, Path, int]]) -> bool | None:
    """True when every image has one page (the masks several), False when every mask has one
    page (the images several), None when the pairs differ."""
    if all(image_pages == 1 for _, image_pages, _, _ in mismatched):
        return True
    if all(mask_pages == 1 for _, _, _, mask_pages in mismatched):
        return False
    return None


def _page_reading(mismatched: Sequence[tuple[Path, int, Path, int]]) -> str:
    """What one-page images with masks of several pages (or the reverse) are consistent
    with; the pages are not compared, so neither reading is claimed."""
    one_page_images = _one_page_images(mismatched)
    if one_page_images is True:
        return (" One image with a mask of several pages is consistent with one object or one "
                "class per page (instance masks saved as an N x H x W array; EmbedSeg's "
                "BBBC010 masks are multi-page TIFFs); the first page is then one of them, and "
                "what the other pages hold is trained as background.")
    if one_page_images is False:
        return (" Images of several pages with a one-page mask are consistent with z-stacks "
                "or time series annotated on one plane (or on a projection); which plane the "
                "mask belongs to cannot be told from the files.")
    return ""


def _page_fix(mismatched: Sequence[tuple[Path, int, Path, int]]) -> str:
    one_page_images = _one_page_images(mismatched)
    if one_page_images is True:
        return ("If each page is one object or class of the image, merge the pages into one "
                "mask per image (their union, or a label map numbering them) saved under the "
                "image's name; otherwise give image and mask the same pages.")
    if one_page_images is False:
        return ("Save the annotated plane of each image (or the projection the mask was drawn "
                "on) as the image, or give image and mask the same pages.")
    return "Give image and mask the same pages: stacks of equal length, or one file per page."


def overview_pages(skipped: Sequence[tuple[Path, FilePages]]) -> Finding:
    """``pairing.overview_pages``: TIFF pages that are reduced-resolution copies or
    transparency masks of another page, left out of the pages counted and paired."""
    count = len(skipped)
    reduced = sum(pages.reduced_resolution for _, pages in skipped)
    masks = sum(pages.transparency_masks for _, pages in skipped)
    kinds = ([f"reduced-resolution overviews ({plural(reduced, 'page')})"] if reduced else []) + (
        [f"transparency masks ({plural(masks, 'page')})"] if masks else [])
    first, pages = skipped[0]
    first_kinds = ([plural(pages.reduced_resolution, "reduced-resolution copy",
                           "reduced-resolution copies")] if pages.reduced_resolution else []) + (
        [plural(pages.transparency_masks, "transparency mask")] if pages.transparency_masks
        else [])
    return pairing_finding(
        "pairing.overview_pages", Severity.INFO,
        f"{plural(count, 'TIFF file')} {verb(count, 'holds', 'hold')} "
        f"{' and '.join(kinds)}; they are not read as pages",
        f"{first} holds {plural(len(pages.own), 'page')} of its own and "
        f"{' and '.join(first_kinds)} of {verb(len(pages.own), 'it', 'them')}, marked so by "
        "its NewSubfileType or SubfileType tag, as GDAL marks a cloud-optimised GeoTIFF's "
        "overviews and internal masks. They show the same scene again, so they are neither "
        "paired as pages of a stack nor counted as frames; the trainer reads the same pages.",
        "Nothing to do.",
        {"files": count, "reduced_resolution_pages": reduced, "transparency_mask_pages": masks,
         "pages": {str(path): {"own": len(pages.own), "skipped": pages.skipped}
                   for path, pages in skipped[:MAX_LISTED_FILES]}},
        [str(path) for path, _ in skipped])


def stacks_hint(stacks: Sequence[tuple[Path, int]], others: Sequence[Path] = (),
                others_kind: str = "mask") -> str:
    """``; train-volume.tif is a multi-page TIFF stack (12 pages; ...)`` for the stacks of
    one side of a refused pairing. ``others`` are the other side's files: one stack beside as
    many single files as it has pages (ISBI 2012's ``train-volume.tif`` beside a folder of
    label PNGs, ``0.png`` .. ``29.png``) is told to be split into files, or the files
    stacked; a count is all that is compared, not what the pages hold."""
    if not stacks:
        return ""
    pages = sorted({count for _, count in stacks})
    if len(stacks) == 1:
        pages_text = plural(pages[0], "page")
    else:
        pages_text = (f"{pages[0]} pages each" if len(pages) == 1
                      else f"{pages[0]} to {pages[-1]} pages")
    hint = (f"; {names([path for path, _ in stacks])} {verb(len(stacks), 'is a', 'are')} "
            f"multi-page TIFF {verb(len(stacks), 'stack', 'stacks')} ({pages_text}; an image "
            "stack and a mask stack of equal length are paired page by page)")
    singles = [path for path in others if path not in {stack for stack, _ in stacks}]
    if len(stacks) == 1 and singles and len(singles) == pages[0]:
        hint += (f", beside {len(singles)} {others_kind} files, as many as its pages: save "
                 f"each page as its own file named as its {others_kind} (in page order only if "
                 f"the {others_kind}s' names number the pages so), or give the {others_kind}s "
                 f"as one stack of {pages[0]} pages")
    return hint
