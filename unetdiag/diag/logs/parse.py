"""Training logs -> metric series: the one import for every log reader.

Three kinds of file reach ``unetdiag explain-log``; :func:`parse_log` tells them apart by
their content and returns one :class:`RunLog` per training run found in the file. The work
is split by job:

- :mod:`unetdiag.diag.logs.model`: :class:`RunLog`, :class:`LogFormatError`;
- :mod:`unetdiag.diag.logs.progress`: one console line (header, metrics, learning-rate cut);
- :mod:`unetdiag.diag.logs.console`: Keras console output (:func:`parse_console`);
- :mod:`unetdiag.diag.logs.tabular`: CSVLogger CSV (:func:`parse_csv`) and ``history``
  JSON or its printed dict (:func:`parse_history_json`);
- :mod:`unetdiag.diag.logs.read`: a file -> its text, its kind and its runs
  (:func:`read_log_text`, :func:`detect_kind`, :func:`parse_log`, :func:`histories`).

``nan`` and ``inf`` are kept as floats: they are evidence, not noise.

>>> runs = parse_console('''Epoch 1/1
... 3/3 ━━━━━━━━━━━━━━━━━━━━ 1s 89ms/step - accuracy: 0.5423 - loss: nan
... ''')
>>> runs[0].name, histories(runs)["run 1"]["loss"]
('run 1', [nan])
"""

from unetdiag.diag.logs.console import parse_console
from unetdiag.diag.logs.model import LogFormatError, RunLog
from unetdiag.diag.logs.read import detect_kind, histories, parse_log, read_log_text
from unetdiag.diag.logs.tabular import parse_csv, parse_history_json

__all__ = [
    "LogFormatError",
    "RunLog",
    "detect_kind",
    "histories",
    "parse_console",
    "parse_csv",
    "parse_history_json",
    "parse_log",
    "read_log_text",
]
