"""What the files a folder holds besides images are, when they are labels or images in a
format unetdiag does not read: YOLO segmentation text, COCO or labelme JSON, NumPy arrays,
DICOM, NIfTI and other volumes, archives not yet unpacked, MATLAB and HDF5 files (SBD's
``cls/*.mat``, ilastik's ``.h5``), images saved without an extension or as ``.jfif``,
images in formats Pillow may open but pairing does not pick (WebP, JPEG 2000, HEIC, AVIF),
and gzip-compressed images (STARE's ``im0001.ppm.gz``). The "no images" and
"no masks" refusals name them, so the user learns what to convert instead of only which
extensions are read.

A few bytes (the start, and a JSON file's end) of at most :data:`SAMPLED_FILES` files
of each kind are read; nothing is decoded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from unetdiag.diag.data.reading import SUPPORTED_EXTENSIONS
from unetdiag.diag.wording.text import join_names, plural, verb

#: Files of one kind looked into (the first ones by name); the hint names the kind only when
#: every one looked into is of it.
SAMPLED_FILES = 3
#: The first two bytes of a gzip stream.
GZIP_MAGIC = b"\x1f\x8b"
#: Bytes read from the start of a file.
HEAD_BYTES = 4096

#: Magic numbers of the image formats unetdiag reads, for files saved without an extension.
_IMAGE_MAGIC = ((b"\x89PNG\r\n\x1a\n", "PNG"), (b"\xff\xd8\xff", "JPEG"),
                (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"BM", "BMP"),
                (b"GIF87a", "GIF"), (b"GIF89a", "GIF"))
#: Extensions of volume formats (3-D scans): unetdiag reads 2-D images.
_VOLUME_EXTENSIONS = {".nii": "NIfTI", ".nii.gz": "NIfTI", ".mha": "MetaImage",
                      ".mhd": "MetaImage", ".nrrd": "NRRD", ".nhdr": "NRRD"}
#: Image formats pairing does not pick, by extension, with the bytes that prove the content:
#: (offset, magic). HEIC and AVIF are ISO media files: ``ftyp`` at byte 4.
_UNPICKED_IMAGES = {".webp": ("WebP", ((8, b"WEBP"),)),
                    ".jp2": ("JPEG 2000", ((4, b"jP  "),)),
                    ".j2k": ("JPEG 2000", ((0, b"\xff\x4f\xff\x51"),)),
                    ".heic": ("HEIC", ((4, b"ftyp"),)), ".heif": ("HEIC", ((4, b"ftyp"),)),
                    ".avif": ("AVIF", ((4, b"ftyp"),))}
#: Other extensions of JPEG files (browsers on Windows save downloads as .jfif).
_JPEG_ALIASES = (".jfif", ".jpe", ".jif")
#: Archives by extension, with the bytes that prove the content: (offset, magic).
_ARCHIVES = {".zip": ((0, b"PK\x03\x04"), (0, b"PK\x05\x06")),
             ".tar": ((257, b"ustar"),), ".tar.gz": ((0, GZIP_MAGIC),),
             ".tgz": ((0, GZIP_MAGIC),), ".7z": ((0, b"7z\xbc\xaf\x27\x1c"),),
             ".rar": ((0, b"Rar!\x1a\x07"),)}
#: The first bytes of an HDF5 file (also MATLAB v7.3 files after their 512-byte header).
HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
#: Kinds of :func:`file_kind` that are no image file: annotations (YOLO text, COCO or
#: labelme JSON), archives, and files of arrays that may hold anything (MATLAB, HDF5).
NOT_IMAGE_KINDS = frozenset({"yolo_polygons", "yolo_boxes", "coco", "labelme", "archive",
                             "matlab", "hdf5"})
_NUMBER = re.compile(r"^-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$")

#: kind -> (what the files are, what to do). The sentence reads "N files are <what>: <do>";
#: one file "is <what>" of :data:`_ONE_FILE` where the plural would not fit it. The folder
#: may be the images' or the masks' (or predict's), so what to do is said for either.
_KINDS = {
    "yolo_polygons": (
        "YOLO segmentation labels (text lines `class x1 y1 x2 y2 ...`, polygon corners as "
        "fractions of the image's width and height)",
        "they are polygons, not mask images; draw each into a mask of its image's size "
        "(e.g. cv2.fillPoly), saved as PNG under the image's name, and pass that folder"),
    "yolo_boxes": (
        "YOLO box labels (text lines `class x_centre y_centre width height`)",
        "they are boxes, not masks; a segmentation model needs masks drawn for each object"),
    "coco": (
        "COCO annotations (JSON with \"images\" and \"annotations\")",
        "draw each image's polygons or RLE into a mask image first (pycocotools' annToMask), "
        "saved as PNG under the image's name, and pass that folder"),
    "labelme": (
        "labelme annotations (JSON with \"shapes\")",
        "draw them into mask images first (labelme's export, or cv2.fillPoly of each shape), "
        "saved as PNG under the image's name, and pass that folder"),
    "numpy": (
        "NumPy arrays (.npy/.npz)",
        "save each array as an image (a mask under its image's name: class numbers as an 8- "
        "or 16-bit PNG; probabilities thresholded first, or kept as a float32 TIFF)"),
    "matlab": (
        "MATLAB files (.mat; SBD ships its labels as cls/*.mat, BSDS500 and CrackForest as "
        "groundTruth/*.mat)",
        "MATLAB files hold arrays, not images: read each with scipy.io.loadmat (h5py for v7.3 "
        "files), save the array you mean as a PNG (a mask under its image's name, class "
        "numbers as 8-bit grey), and pass that folder"),
    "hdf5": (
        "HDF5 files (.h5/.hdf5; ilastik and CREMI store labels so, often as 3-D volumes)",
        "HDF5 files hold arrays, not images: read each dataset with h5py, save every 2-D slice "
        "as its own PNG (a mask under its image's name), and pass that folder"),
    "gzip_image": (
        "gzip-compressed images (STARE ships its images and vessel labels as im0001.ppm.gz, "
        "im0001.ah.ppm.gz)",
        "decompress them first (`gunzip -k *.gz` in each folder), then pass the folders of the "
        "decompressed files"),
    "dicom": (
        "DICOM files",
        "export the pixel data to PNG or TIFF (pydicom's pixel_array, keeping 16-bit values "
        "as 16-bit PNG or TIFF, or a window you choose)"),
}
#: What one file of a kind is, where :data:`_KINDS`' plural would not fit it.
_ONE_FILE = {
    "numpy": "a NumPy array (.npy/.npz)",
    "matlab": "a MATLAB file (.mat; SBD ships its labels as cls/*.mat, BSDS500 and CrackForest "
              "as groundTruth/*.mat)",
    "hdf5": "an HDF5 file (.h5/.hdf5; ilastik and CREMI store labels so, often as 3-D volumes)",
    "gzip_image": "a gzip-compressed image (STARE ships its images and vessel labels as "
                  "im0001.ppm.gz, im0001.ah.ppm.gz)",
    "dicom": "a DICOM file",
}


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""


def _tail(path: Path) -> bytes:
    """The last :data:`HEAD_BYTES` bytes (a COCO file's ``"annotations"`` list follows its
    ``"images"`` list, which alone can fill megabytes)."""
    try:
        with open(path, "rb") as handle:
            handle.seek(0, 2)
            handle.seek(max(0, handle.tell() - HEAD_BYTES))
            return handle.read(HEAD_BYTES)
    except OSError:
        return b""


def _suffix(path: Path) -> str:
    """The extension, with the one before ``.gz`` (``.nii.gz``, ``.ppm.gz``)."""
    if path.suffix.lower() == ".gz":
        return "".join(path.suffixes[-2:]).lower()
    return path.suffix.lower()


def _text_kind(head: bytes) -> str | None:
    """YOLO polygons or boxes when the first non-empty line is a class number followed by
    coordinates in [0, 1]."""
    try:
        text = head.decode("ascii")
    except UnicodeDecodeError:
        return None
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if not lines:
        return None
    tokens = lines[0]
    if not (tokens[0].isdigit() and all(_NUMBER.match(token) for token in tokens[1:])):
        return None
    values = [float(token) for token in tokens[1:]]
    if not all(0.0 <= value <= 1.0 for value in values):
        return None
    if len(values) == 4:
        return "yolo_boxes"
    if len(values) >= 6 and len(values) % 2 == 0:
        return "yolo_polygons"
    return None


def _json_kind(head: bytes, tail: bytes) -> str | None:
    """COCO when the start or the end holds ``"images"`` and ``"annotations"`` (or the
    ``"iscrowd"`` of its entries); labelme when the start holds its keys."""
    if b'"images"' in head + tail and any(key in head + tail
                                          for key in (b'"annotations"', b'"iscrowd"')):
        return "coco"
    if b'"shapes"' in head and (b'"imagePath"' in head or b'"imageData"' in head):
        return "labelme"
    return None


def file_kind(path: Path) -> str | None:
    """The kind of one file (a key of the hint's kinds, ``archive``, ``volume:<format>``,
    ``image:<format>``, ``renamed:JPEG`` or ``unpicked:<format>``), or None for a file of no
    kind named here."""
    suffix = _suffix(path)
    if suffix in _VOLUME_EXTENSIONS:
        return f"volume:{_VOLUME_EXTENSIONS[suffix]}"
    if suffix in (".npy", ".npz"):
        return "numpy"
    head = _head(path)
    if suffix == ".mat" and head.startswith(b"MATLAB"):
        return "matlab"
    if suffix in (".h5", ".hdf5", ".hdf") and head.startswith(HDF5_MAGIC):
        return "hdf5"
    if suffix in _ARCHIVES and any(head[offset:offset + len(magic)] == magic
                                   for offset, magic in _ARCHIVES[suffix]):
        return "archive"
    if suffix in _JPEG_ALIASES and head.startswith(b"\xff\xd8\xff"):
        return "renamed:JPEG"
    if suffix in _UNPICKED_IMAGES:
        name, magics = _UNPICKED_IMAGES[suffix]
        if any(head[offset:offset + len(magic)] == magic for offset, magic in magics):
            return f"unpicked:{name}"
    if suffix.endswith(".gz") and suffix[:-3] in SUPPORTED_EXTENSIONS and head[:2] == GZIP_MAGIC:
        return "gzip_image"
    if suffix == ".dcm" or head[128:132] == b"DICM":
        return "dicom"
    if suffix == ".txt":
        return _text_kind(head)
    if suffix == ".json":
        return _json_kind(head, _tail(path))
    if suffix == "":
        for magic, name in _IMAGE_MAGIC:
            if head.startswith(magic):
                return f"image:{name}"
    return None


def _unpack_command(archive: Path) -> str:
    """The shell command that unpacks ``archive`` into a folder named after it."""
    suffix = _suffix(archive)
    folder = archive.name[:-len(suffix)] or "dataset"
    if suffix == ".zip":
        return f"`unzip {archive.name} -d {folder}`"
    if suffix in (".tar", ".tar.gz", ".tgz"):
        return f"`mkdir {folder} && tar -xf {archive.name} -C {folder}`"
    return f"`7z x {archive.name} -o{folder}`"


def _describe(kind: str, count: int, files: Sequence[Path]) -> str:
    if kind.startswith("volume:"):
        return (f"{plural(count, 'file')} {verb(count, 'is a', 'are')} {kind[7:]} "
                f"{verb(count, 'volume', 'volumes')} (3-D scans): unetdiag reads 2-D images; "
                "save the slices you train on as PNG or TIFF (image and mask slices under "
                "the same names)")
    if kind.startswith("image:"):
        fmt = kind[6:]
        extension = {"JPEG": ".jpg", "TIFF": ".tif"}.get(fmt, "." + fmt.lower())
        return (f"{plural(count, 'file')} without an extension {verb(count, 'is a', 'are')} "
                f"{fmt} {verb(count, 'image', 'images')} by {verb(count, 'its', 'their')} "
                f"content ({', '.join(path.name for path in files[:SAMPLED_FILES])}): "
                f"unetdiag picks files by extension; rename them with {extension}")
    if kind.startswith("unpicked:"):
        fmt = kind[9:]
        shown = ", ".join(path.name for path in files[:SAMPLED_FILES])
        return (f"{plural(count, 'file')} {verb(count, 'is a', 'are')} {fmt} "
                f"{verb(count, 'image', 'images')} ({shown}), a format audit-data, train and "
                "evaluate do not read: "
                "convert them to PNG under the same names "
                f"(a lossless copy keeps a mask's values; a mask saved as lossy {fmt} keeps "
                "the values its compression changed)")
    if kind.startswith("renamed:"):
        shown = ", ".join(path.name for path in files[:SAMPLED_FILES])
        return (f"{plural(count, 'file')} {verb(count, 'is a', 'are')} {kind[8:]} "
                f"{verb(count, 'image', 'images')} by {verb(count, 'its', 'their')} content "
                f"under another extension ({shown}): unetdiag picks JPEG files by .jpg or "
                ".jpeg; rename them with .jpg")
    if kind == "archive":
        shown = join_names([path.name for path in files[:SAMPLED_FILES]]
                           + (["..."] if count > SAMPLED_FILES else []))
        return (f"{shown} {verb(count, 'is an archive', f'are {count} archives')}: unetdiag "
                "reads folders of image files, not archives; unpack "
                f"{verb(count, 'it', 'them')} first ({_unpack_command(files[0])}) and pass the "
                f"folder of images {verb(count, 'it holds', 'they hold')} (and of masks, to "
                "audit or train)")
    what, do = _KINDS[kind]
    if count == 1:
        what = _ONE_FILE.get(kind, what)
    return f"{plural(count, 'file')} {verb(count, 'is', 'are')} {what}: {do}"


def foreign_hint(paths: Sequence[Path]) -> str:
    """``; 16 files are YOLO segmentation labels (...): ...`` for the kinds found among
    ``paths`` (files unetdiag did not read); "" when none is recognised.

    Files are grouped by extension; a group is named when each of its first
    :data:`SAMPLED_FILES` files is of one kind (the count is the group's).
    """
    groups: dict[str, list[Path]] = {}
    for path in sorted(paths):
        groups.setdefault(_suffix(path), []).append(path)
    found: dict[str, list[Path]] = {}
    for files in groups.values():
        kinds = {file_kind(path) for path in files[:SAMPLED_FILES]}
        if len(kinds) == 1 and None not in kinds:
            found.setdefault(kinds.pop(), []).extend(files)
    return "".join(f"; {_describe(kind, len(files), files)}" for kind, files in found.items())
