"""SaturationMonitor: the metric history so far, judged for numbers that lie."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import keras

from unetdiag.diag.checks.saturation import check_series
from unetdiag.diag.core.findings import Finding
from unetdiag.training.callbacks.base import DiagnosticCallback, EpochFindings


def _sublayers(layer: keras.layers.Layer) -> Iterator[keras.layers.Layer]:
    for sublayer in getattr(layer, "layers", ()):
        yield sublayer
        yield from _sublayers(sublayer)


def training_mode_behaviours(model: keras.Model,
                             augmented_inputs: bool | None = None) -> list[str] | None:
    """What makes ``model``'s training figures training-mode ones, in the words
    :func:`~unetdiag.diag.checks.saturation.check_series` takes (``train_mode``):
    ``"BatchNormalization"`` layers that are not frozen, ``"dropout"`` (any ``*Dropout`` layer), and
    ``"augmentation"`` (Keras's ``Random*`` preprocessing layers, or ``augmented_inputs``).
    None when augmentation outside the model is not known and nothing in it is found.

    >>> model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.RandomFlip(),
    ...                           keras.layers.Conv2D(2, 3), keras.layers.BatchNormalization()])
    >>> training_mode_behaviours(model, augmented_inputs=False)
    ['BatchNormalization', 'augmentation']
    """
    found = set()
    for layer in _sublayers(model):
        name = type(layer).__name__
        if isinstance(layer, keras.layers.BatchNormalization):
            # a frozen one (trainable=False) normalises with its moving statistics in
            # training too (Keras 3): both modes give the same outputs
            if layer.trainable:
                found.add("BatchNormalization")
        elif name.endswith("Dropout"):
            found.add("dropout")
        elif name.startswith("Random"):
            found.add("augmentation")
    if augmented_inputs:
        found.add("augmentation")
    if not found and augmented_inputs is None:
        return None
    return sorted(found)


class SaturationMonitor(DiagnosticCallback):
    """At each epoch end, look at the metric history so far for signs the numbers lie.

    Runs :func:`~unetdiag.diag.checks.saturation.check_series` on every epoch-level value
    logged so far (training and ``val_`` metrics): metrics flat from the start, sitting at a
    trivial-predictor baseline, Dice above 1, negative losses... Each finding id is reported
    once, with the epoch it started (``first_epoch``) and the latest evidence. The check
    re-judges the whole history every epoch, so an id it no longer reports was superseded
    and is dropped.

    The history is the one Keras keeps: ``model.history``, the ``keras.callbacks.History``
    that ``model.fit`` adds (a custom loop must put one in its ``CallbackList``). The monitor
    judges the epochs of the current ``fit`` call, after the epochs :meth:`continue_from`
    gave it: a resumed run (``initial_epoch`` > 0) is judged on its whole history, epochs
    numbered from 1, as if it had never stopped.

    Args:
        baselines: what trivial predictors score, by metric name (e.g.
            ``{"val_dice": 0.9975}``), or None.
        tolerance: how close to a baseline counts as "at" it.
        source: written into the findings (and the run name given to the check).
        augmented_inputs: whether the training inputs are augmented before they reach the
            model (a tf.data pipeline's augmentation, which the model's layers cannot show);
            None when not known. With the model's own layers (BatchNormalization, dropout,
            Keras's ``Random*`` preprocessing layers) it tells the check which training
            figures are measured in training mode, so a train/validation gap is not called
            overfitting when the model's two modes explain it.
        split_masks: each split's masks, empty masks and foreground fraction (``"training"``,
            ``"validation"`` -> ``masks``, ``empty_masks``, ``foreground_fraction``), stated
            beside a train/validation gap; None when not known.

    >>> monitor = SaturationMonitor({"val_accuracy": 0.995}, source="demo")
    >>> monitor.history
    {}
    """

    def __init__(self, baselines: Mapping[str, float] | None = None, *, tolerance: float = 1e-3,
                 source: str = "", augmented_inputs: bool | None = None,
                 split_masks: Mapping[str, Mapping[str, float]] | None = None) -> None:
        super().__init__(source)
        self.split_masks = ({name: dict(values) for name, values in split_masks.items()}
                            if split_masks is not None else None)
        self.baselines = dict(baselines) if baselines is not None else None
        self.tolerance = tolerance
        self.augmented_inputs = augmented_inputs
        #: What makes this model's training figures training-mode ones (set at train begin).
        self._train_mode: list[str] | None = None
        self._log = EpochFindings(keep_resolved=False)
        #: How many values of each metric the Keras history held before this fit call.
        self._values_before_fit: dict[str, int] = {}
        #: The epochs before this fit call (a resumed run's), judged with it.
        self._earlier: dict[str, list[float]] = {}

    def continue_from(self, history: Mapping[str, Sequence[float]]) -> None:
        """Judge the next ``fit`` as the continuation of ``history`` (``{metric: [value per
        epoch]}``: the epochs a resumed run completed before, as its checkpoint kept them)."""
        self._earlier = {key: list(values) for key, values in history.items()}

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "baselines": self.baselines,
                "tolerance": self.tolerance, "augmented_inputs": self.augmented_inputs,
                "split_masks": self.split_masks}

    @property
    def findings(self) -> list[Finding]:
        return self._log.findings()

    @property
    def history(self) -> dict[str, list[float]]:
        """The numeric epoch-level values judged: those given to :meth:`continue_from`, then
        those Keras recorded in the current (or last) fit call: ``{metric: [value per
        epoch]}``."""
        keras_history = getattr(self.model, "history", None)
        this_fit = (self._this_fit(keras_history)
                    if isinstance(keras_history, keras.callbacks.History) else {})
        return numeric_series({key: [*self._earlier.get(key, []), *this_fit.get(key, [])]
                               for key in dict.fromkeys([*self._earlier, *this_fit])})

    def on_train_begin(self, logs: Mapping | None = None) -> None:
        self._log = EpochFindings(keep_resolved=False)
        self._train_mode = training_mode_behaviours(self.model, self.augmented_inputs)
        self._values_before_fit = {key: len(values)
                                for key, values in self._keras_history().history.items()}
        # the earlier epochs are judged as they were judged then, so each finding keeps the
        # epoch it started at
        epochs = max((len(values) for values in self._earlier.values()), default=0)
        for count in range(1, epochs + 1):
            self._judge(count, {key: values[:count] for key, values in self._earlier.items()})

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        keras_history = self._keras_history()
        series = self._this_fit(keras_history)
        if getattr(keras_history, "epoch", [])[-1:] != [epoch]:
            # History records an epoch after the callbacks listed before it (model.fit puts
            # it last): add this epoch's logs.
            for key, value in (logs or {}).items():
                series.setdefault(key, []).append(value)
        whole = {key: [*self._earlier.get(key, []), *series.get(key, [])]
                 for key in dict.fromkeys([*self._earlier, *series])}
        self._judge(max(len(values) for values in whole.values()), whole)

    def _judge(self, epochs: int, series: Mapping[str, Sequence[Any]]) -> None:
        """Check the first ``epochs`` epochs (``series``) and record it as epoch ``epochs``."""
        findings = check_series(self.source, numeric_series(series), self.baselines,
                                tolerance=self.tolerance, train_mode=self._train_mode,
                                split_masks=self.split_masks)
        self._log.record(epochs, [f if f.source else f.with_source(self.source)
                                  for f in findings])

    def _keras_history(self) -> keras.callbacks.History:
        keras_history = getattr(self.model, "history", None)
        if not isinstance(keras_history, keras.callbacks.History):
            raise RuntimeError("SaturationMonitor reads the metric history from model.history, "
                               "the keras.callbacks.History that model.fit adds; a custom "
                               "loop must put one in its CallbackList")
        return keras_history

    def _this_fit(self, keras_history: keras.callbacks.History) -> dict[str, list[Any]]:
        return {key: list(values[self._values_before_fit.get(key, 0):])
                for key, values in keras_history.history.items()}


def numeric_series(history: Mapping[str, Sequence[Any]]) -> dict[str, list[float]]:
    """The values that are numbers, as floats; a metric without any is left out.

    >>> numeric_series({"loss": [0.5, "n/a", 0.25], "note": ["x"]})
    {'loss': [0.5, 0.25]}
    """
    series: dict[str, list[float]] = {}
    for key, values in history.items():
        for value in values:
            try:
                number = float(value)
            except (TypeError, ValueError):
                continue
            series.setdefault(key, []).append(number)
    return series
