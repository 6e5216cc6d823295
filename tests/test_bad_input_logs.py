"""explain-log given a log as users keep them: compressed, UTF-32, a device; each either read
whole or refused on one line naming the file and what to do, never misnamed as binary."""

import bz2
import gzip
import lzma
import zipfile
from pathlib import Path

import pytest

from unetdiag.diag.logs.read import parse_log
from unetdiag.exitcodes import ExitCode, UserError

LOGS = Path(__file__).parent / "data" / "logs"
LOG = LOGS / "keras3_verbose2_nan.log"


def _series(runs):
    return [repr(run.epochs) for run in runs]  # repr: NaN equal to NaN


@pytest.mark.parametrize("name", ["train.log.gz", "train.log"])  # rotated, or renamed
def test_a_gzip_compressed_log_is_read_as_the_text_it_holds(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(gzip.compress(LOG.read_bytes()))
    assert _series(parse_log(path)) == _series(parse_log(LOG))


def test_a_utf32_log_with_its_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "train.log"
    path.write_bytes(LOG.read_text().encode("utf-32"))
    assert _series(parse_log(path)) == _series(parse_log(LOG))


@pytest.mark.parametrize("suffix, compress, words", [
    (".bz2", bz2.compress, "is bzip2-compressed, not a text log: bunzip2 it"),
    (".xz", lzma.compress, "is xz-compressed, not a text log: unxz it"),
    (".gz", lambda data: gzip.compress(data)[:200], "is gzip-compressed but cannot be "
                                                    "decompressed"),
])
def test_other_compressed_logs_are_named_with_what_opens_them(tmp_path, suffix, compress,
                                                              words):
    path = tmp_path / f"train.log{suffix}"
    path.write_bytes(compress(LOG.read_bytes()))
    with pytest.raises(UserError) as caught:
        parse_log(path)
    assert str(caught.value).startswith(f"{path} {words}")
    assert caught.value.code == ExitCode.INPUT_ERROR


def test_a_zip_archive_is_named_as_one(tmp_path):
    path = tmp_path / "logs.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("train.log", LOG.read_bytes())
    with pytest.raises(UserError, match="is a zip archive, not a text log: unzip it"):
        parse_log(path)


def test_a_device_is_refused_before_reading_it():
    # /dev/null stands for /dev/zero, which never ends: read whole, it fills the memory (as
    # this test would on a regression); both are character devices
    with pytest.raises(UserError, match=r"^/dev/null is a device, not a log file"):
        parse_log("/dev/null")


def test_a_dash_gets_the_name_standard_input_has():
    with pytest.raises(UserError, match=r"^-: no such file; for standard input give /dev/stdin"):
        parse_log("-")


def test_characters_that_cannot_be_decoded_are_counted_in_a_note(tmp_path):
    latin1 = tmp_path / "windows.log"  # a metric named in Latin-1, read as UTF-8
    latin1.write_bytes(LOG.read_text().replace("val_loss", "val_lôss").encode("latin-1"))
    notes = [note for run in parse_log(latin1) for note in run.notes
             if "could not be decoded" in note]
    count = LOG.read_text().count("val_loss")
    assert notes == [f"{count} characters of the file could not be decoded and were read as "
                     "U+FFFD; a metric or run name holding one is not read as written (save "
                     "the log as UTF-8 to read them)"]
    held = tmp_path / "held.log"  # a U+FFFD the file holds is no decoding failure
    held.write_text(LOG.read_text().replace("val_loss", "val_l\ufffdss"), encoding="utf-8")
    assert not [note for run in parse_log(held) for note in run.notes
                if "could not be decoded" in note]


def test_a_line_longer_than_any_drawing_is_not_searched_and_the_refusal_is_the_same(tmp_path):
    """One line of 'loss: 0.5 - ' repeated past a million characters: before, every regex
    and the bare-summary reader ran over it whole to reach the same refusal."""
    from unetdiag.diag.logs.progress import clean_line

    line = "loss: 0.5 - " * 84_000  # 1,008,000 characters
    assert clean_line(line) == ""
    path = tmp_path / "train.log"
    path.write_text(line + "\n")
    with pytest.raises(UserError, match="no Keras training epochs found: expected 'Epoch i/N' "
                                        "lines followed by progress lines"):
        parse_log(path)
    # the redraws of a long epoch on one captured line still clean to their last drawing
    redraws = "\r".join(f"{step}/9000 [====] - ETA: 1s - loss: 0.5" for step in range(1, 9001))
    assert len(redraws) > 300_000
    assert clean_line(redraws + "\r9000/9000 [====] - 9s - loss: 0.4") == (
        "9000/9000 [====] - 9s - loss: 0.4")
