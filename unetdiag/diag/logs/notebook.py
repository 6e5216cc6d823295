"""A Jupyter notebook's JSON -> the text its cells printed.

A notebook (``.ipynb``, or a piece of one pasted elsewhere) keeps each output line as a JSON
string: ``"100/100 [====] - 206s 2s/step - loss: 0.8430 - val_iou_score: 0.6970\\n",``. Read
as console text, the line's end (``\\n",``) hides its last value. :func:`notebook_outputs`
returns what the cells printed (``"text"`` of a stream output, ``"text/plain"`` of a result),
decoded, one line per line; source cells are left out. It reads the lines of the JSON rather
than parsing the whole file, so that an excerpt (one cell, not a valid JSON document) is read
as a whole notebook is.

>>> notebook_outputs('''{"cells": [{"source": ["model.fit(x)\\\\n"], "outputs": [
...   {"name": "stdout", "text": [
...     "Epoch 1/1\\\\n",
...     "1/1 [====] - 1s 1s/step - loss: 0.5 - val_iou: 0.7\\\\n"
...   ]}]}]}''')
'Epoch 1/1\\n1/1 [====] - 1s 1s/step - loss: 0.5 - val_iou: 0.7\\n'
"""

from __future__ import annotations

import json
import re

#: The key of an output's text: a list of strings on the lines below, or one string.
_TEXT_KEY_RE = re.compile(r'"(?:text|text/plain)"\s*:\s*(?P<rest>.*?)\s*$')
#: A line that is one JSON string (an element of a list), with its comma.
_STRING_LINE_RE = re.compile(r'^\s*(?P<string>"(?:[^"\\]|\\.)*")\s*,?\s*$')
#: What marks notebook JSON: an output's type or a cell's outputs.
_NOTEBOOK_RE = re.compile(r'"(?:output_type|outputs|cell_type)"\s*:')


def _decoded(string: str) -> str:
    try:
        return json.loads(string)
    except ValueError:
        return ""


def _joined(value: object) -> str:
    text = "".join(value) if isinstance(value, list) else value
    return text if isinstance(text, str) else ""


def _cell_outputs(cells: list) -> str | None:
    """The outputs' text of a parsed notebook's cells, each output ending its line."""
    pieces = []
    for cell in cells:
        for output in cell.get("outputs", []) if isinstance(cell, dict) else []:
            if not isinstance(output, dict):
                continue
            data = output.get("data")
            text = _joined(output.get("text", data.get("text/plain", "")
                                      if isinstance(data, dict) else ""))
            if text:
                pieces.append(text if text.endswith("\n") else text + "\n")
    output = "".join(pieces)
    return output if output.strip() else None


def notebook_outputs(text: str) -> str | None:
    """The text a notebook's cells printed, or None when ``text`` is no notebook JSON (or
    holds no output text)."""
    if not _NOTEBOOK_RE.search(text):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    if isinstance(document, dict) and isinstance(document.get("cells"), list):
        return _cell_outputs(document["cells"])
    pieces: list[str] = []
    in_text = False
    for line in text.splitlines():
        if in_text:
            string = _STRING_LINE_RE.match(line)
            if string is not None:
                pieces.append(_decoded(string["string"]))
                continue
            in_text = False
            if not pieces[-1:] or not pieces[-1].endswith("\n"):
                pieces.append("\n")
        key = _TEXT_KEY_RE.search(line)
        if key is None:
            continue
        rest = key["rest"].rstrip(",").strip()
        if rest == "[":
            in_text = True
        elif rest.startswith('"'):
            pieces.append(_decoded(rest))
            pieces.append("\n")
    output = "".join(pieces)
    return output if output.strip() else None
