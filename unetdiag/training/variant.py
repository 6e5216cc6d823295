"""One variant of a run: compile it, give it its callbacks, train it (resuming from its epoch
checkpoint), save its best and last epochs (:mod:`~unetdiag.training.run.models`), score the
saved model on the validation split (:mod:`~unetdiag.training.run.scores`), and say how it
went (:class:`~unetdiag.training.run.summary.VariantResult`). The attempts of
``--on-guard restart`` are :mod:`unetdiag.training.attempts`.
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import keras
import tensorflow as tf
from rich.progress import Progress, TaskID

from unetdiag.config import TrainConfig, Variant
from unetdiag.diag.core.findings import Finding
from unetdiag.training.callbacks import SaturationMonitor, diagnostic_callbacks
from unetdiag.training.data_stats import metric_baselines
from unetdiag.training.distributed import fit_with_strategy, local_predictions
from unetdiag.training.losses import build_loss, build_metrics
from unetdiag.training.model import build_variant, count_parameters
from unetdiag.training.pipeline import StreamingDatasets, endless_epochs
from unetdiag.training.precision import precision_scope
from unetdiag.training.run.checkpoint import (
    CHECKPOINT_DIRNAME,
    Checkpoint,
    EpochCheckpoint,
    load_checkpoint,
    load_checkpoint_weights,
)
from unetdiag.training.run.history import HistoryWriter, write_history
from unetdiag.training.run.models import save_models
from unetdiag.training.run.progress import ProgressCallback
from unetdiag.training.run.resume import previous_run
from unetdiag.training.run.scores import write_validation_scores
from unetdiag.training.run.summary import VariantResult, VariantStatus, history_fields
from unetdiag.training.run.tensorboard import TENSORBOARD_DIRNAME, TensorBoardWriter
from unetdiag.training.run.throughput import ThroughputMeter

#: XLA compilation measured slower than plain graph mode for these models on the 2-core CPU.
JIT_COMPILE = False
#: A prior probability is kept within [bound, 1 - bound] (a logit within +-6.9): a split with
#: no foreground (or no background) would otherwise start the output at an infinite logit.
PRIOR_PROBABILITY_BOUND = 1e-3


def prior_output_bias(variant: Variant, config: TrainConfig, foreground_fraction: float
                      ) -> float:
    """The output layer's initial bias (a logit) for ``variant`` trained on masks whose
    foreground is ``foreground_fraction`` of their pixels.

    A ``*_BCE`` variant starts at the log-odds of the constant prediction its cross-entropy
    is lowest at: the fraction ``f`` itself for plain cross-entropy; ``w f / (w f + 1 - f)``
    for ``--loss-bce weighted`` with foreground weight ``w`` (0.5, a bias of 0, under the
    balanced weight); and ``f`` for the focal loss, as RetinaNet (Lin et al., 2017) starts
    its focal-loss classifier at a prior. Started at 0 instead, the output must first travel
    to that log-odds (-2.35 for 8.7 % foreground) through Adam steps of about the learning
    rate per weight: about 100 of the 144 steps of a default run on DRIVE
    (docs/training-defaults.md). A ``*_Dice`` variant starts at 0: the soft Dice loss of a
    constant prediction is not lowest at the prior, and the Dice variants' collapse met
    before was into saturated background, which a negative start leans towards. An unknown
    fraction (NaN: no scored pixel) gives 0.

    >>> from unetdiag.config import VARIANTS
    >>> round(prior_output_bias(VARIANTS["MP_Tr_BCE"], TrainConfig(), 0.2), 4)  # log(.2/.8)
    -1.3863
    >>> prior_output_bias(VARIANTS["MP_Tr_Dice"], TrainConfig(), 0.2)
    0.0
    """
    if variant.loss != "bce" or math.isnan(foreground_fraction):
        return 0.0
    prior = foreground_fraction
    if config.bce_loss == "weighted":
        weighted = (config.foreground_weight or 1.0) * foreground_fraction
        prior = weighted / (weighted + 1.0 - foreground_fraction)
    prior = min(max(prior, PRIOR_PROBABILITY_BOUND), 1.0 - PRIOR_PROBABILITY_BOUND)
    return math.log(prior / (1.0 - prior))


def variant_loss(variant: Variant, config: TrainConfig) -> keras.losses.Loss:
    """The variant's loss: the Dice loss of ``config.dice`` or the cross-entropy
    ``config.bce_loss`` (``config.foreground_weight`` resolved by the trainer)."""
    return build_loss(variant.loss, config.dice, bce=config.bce_loss,
                      focal_gamma=config.focal_gamma,
                      foreground_weight=config.foreground_weight or 1.0)


def make_optimizer(config: TrainConfig) -> keras.optimizers.Optimizer:
    """Adam at ``config.learning_rate``, clipping each step's gradient norm to
    ``config.clipnorm`` when given."""
    return keras.optimizers.Adam(config.learning_rate, clipnorm=config.clipnorm)


def compile_variant(variant: Variant, config: TrainConfig, policy_name: str,
                    output_bias: float = 0.0) -> keras.Model:
    """Build and compile one variant under ``policy_name`` (in the current strategy scope),
    its output bias starting at ``output_bias``."""
    with precision_scope(policy_name):
        model = build_variant(variant, config.img_size, config.channels, config.base_filters,
                              config.depth, config.normalization, output_bias)
        # weighted: the pixel weights of ignored values (sample_weight) reach every metric
        model.compile(optimizer=make_optimizer(config), loss=variant_loss(variant, config),
                      weighted_metrics=build_metrics(config.metric_threshold,
                                                     config.empty_rule),
                      jit_compile=JIT_COMPILE)
    return model


def gather_callbacks(config: TrainConfig, variant: Variant, variant_dir: Path,
                     datasets: StreamingDatasets, val_baselines: dict[str, dict[str, float]],
                     val_files: Sequence[str] = (),
                     split_masks: Mapping[str, Mapping[str, float]] | None = None
                     ) -> list[keras.callbacks.Callback]:
    """The callbacks one variant trains with, apart from the progress display.

    With ``config.diagnostics`` the diagnostic callbacks come first
    (:func:`~unetdiag.training.callbacks.diagnostic_callbacks`: NaN/Inf guard writing into
    ``variant_dir``, batch audit, Dice stability on the fixed probe batch ``datasets.probe``,
    saturation against :func:`~unetdiag.training.data_stats.metric_baselines` of
    ``val_baselines``, what the all-zeros and all-ones predictors score on the validation
    split: ``{"all_zeros": TrivialScores.to_dict(), "all_ones": ...}``, stating
    ``split_masks`` beside a train/validation gap). A callback may expose
    ``findings: list[Finding]``; after the variant ends (finished, stopped or interrupted)
    :func:`collect_findings` puts them in the report. A callback with a ``stop_reason`` ends
    the variant as ``"stopped by guard"``, any other that sets ``model.stop_training`` as
    ``"stopped"`` (exit code ``TRAINING_STOPPED``; with ``config.stop_all_on_guard`` no further
    variant runs). A :class:`~unetdiag.training.run.tensorboard.TensorBoardWriter` writes the
    metrics and overlays of the probe's first images (``val_files`` name them) into
    ``variant_dir / "tensorboard"``.
    """
    callbacks: list[keras.callbacks.Callback] = []
    probe_x, probe_y = next(datasets.probe.as_numpy_iterator())
    # the first validation batch holds the probe's pairs in the same order, with the pixel
    # weights the probe leaves out (0 on ignored values)
    probe_weights = (next(datasets.val.as_numpy_iterator())[2]
                     if config.diagnostics and config.mask_policy.ignore_values else None)
    if config.diagnostics:
        callbacks += diagnostic_callbacks(
            variant_dir, probe=(probe_x, probe_y), dice_config=config.dice,
            baselines=metric_baselines(val_baselines),
            stop_on_label_error=config.stop_on_label_error, source=f"train:{variant.name}",
            threshold=config.metric_threshold, mask_policy=config.mask_policy,
            augmented_inputs=config.augment, probe_weights=probe_weights,
            split_masks=split_masks, dice_loss=variant.loss == "dice")
    history = HistoryWriter(variant_dir)
    tensorboard = TensorBoardWriter(variant_dir / TENSORBOARD_DIRNAME, (probe_x, probe_y),
                                    files=tuple(val_files), threshold=config.metric_threshold,
                                    empty=config.empty_rule)
    images_per_epoch = datasets.train_size * datasets.passes_per_epoch
    return callbacks + [history, EpochCheckpoint(variant_dir / CHECKPOINT_DIRNAME, history),
                        ThroughputMeter(images_per_epoch), tensorboard]


def continue_from(callbacks: Sequence[keras.callbacks.Callback], checkpoint: Checkpoint
                  ) -> int:
    """Set the callbacks that keep a history to go on from ``checkpoint`` (the history
    files, the best epoch, the saturation checks); returns the epoch to start from."""
    for callback in callbacks:
        if isinstance(callback, HistoryWriter):
            callback.history = {key: list(values) for key, values in checkpoint.history.items()}
        elif isinstance(callback, EpochCheckpoint):
            callback.digests = dict(checkpoint.digests)
            if checkpoint.best_weights_path is not None:
                callback.best = (checkpoint.best_epoch, checkpoint.best_weights_path.name)
        elif isinstance(callback, SaturationMonitor):
            callback.continue_from(checkpoint.history)
    return checkpoint.epochs_completed


def stop_reasons(callbacks: Sequence[keras.callbacks.Callback]) -> list[str]:
    """The ids of the findings that made callbacks stop training (empty: none did)."""
    return [reason for callback in callbacks
            if (reason := getattr(callback, "stop_reason", None)) is not None]


def without_untrained_epochs(history: dict[str, list], callbacks: Sequence[keras.callbacks.Callback]
                             ) -> dict[str, list]:
    """``history`` without the epochs in which a guard put back every step: Keras still closes
    such an epoch (with a loss of 0.0, its tracker having counted nothing), but no weight
    changed, so it is neither a trained epoch nor a candidate for the best one. Epochs are
    Keras's 0-based indices, which are positions in a history that starts at epoch 0 (a resumed
    variant's history holds every earlier epoch)."""
    untrained = {epoch for callback in callbacks
                 for epoch in getattr(callback, "epochs_without_update", ())}
    if not untrained:
        return history
    return {key: [value for epoch, value in enumerate(values) if epoch not in untrained]
            for key, values in history.items()}


def committed_epochs(history: dict[str, list], variant_dir: Path) -> dict[str, list]:
    """``history`` cut to the epochs the variant's checkpoint holds (none without one)."""
    checkpoint = load_checkpoint(variant_dir)
    epochs = checkpoint.epochs_completed if checkpoint is not None else 0
    return {key: values[:epochs] for key, values in history.items()}


def collect_findings(callbacks: Sequence[keras.callbacks.Callback], source: str
                     ) -> list[Finding]:
    """Every finding the callbacks expose, labelled with ``source`` when they have none."""
    findings = []
    for callback in callbacks:
        for finding in getattr(callback, "findings", ()):
            findings.append(finding if finding.source else finding.with_source(source))
    return findings


def train_variant(variant: Variant, config: TrainConfig, datasets: StreamingDatasets,
                  val_baselines: dict[str, dict[str, float]], policy_name: str,
                  strategy: tf.distribute.Strategy, run_dir: Path, progress: Progress,
                  task: TaskID, resuming: bool = False, strategy_name: str = "default", *,
                  val_files: Sequence[str], train_foreground_fraction: float,
                  split_masks: Mapping[str, Mapping[str, float]] | None = None,
                  epoch_lines: bool = False) -> VariantResult:
    """Train and save one variant, then write its validation scores and overlays
    (:func:`~unetdiag.training.run.scores.write_validation_scores`; ``val_files``: the
    validation images' names, in the order of ``datasets.val``). Ctrl-C during ``fit`` ends it
    as ``"interrupted"`` (its per-epoch history and last epoch checkpoint stay, no model is
    saved); the caller then stops the run. With ``resuming`` the variant's folder may exist
    already: training goes on from its checkpoint
    (:func:`~unetdiag.training.run.checkpoint.load_checkpoint`), if it has one.
    ``epoch_lines``: print one line per epoch (:class:`~.run.progress.ProgressCallback`).
    ``train_foreground_fraction``: of the training split's decoded masks, as the trainer
    counted them before training (:attr:`~.data_stats.MaskCounts.foreground_fraction`); a
    variant trained from scratch starts its output bias at :func:`prior_output_bias` of it
    (the result's ``initial_output_bias``). A variant resumed from its checkpoint takes its
    weights, bias included, from the earlier part of the run: the bias that part recorded
    in summary.json is kept (the resume checks the split's file names, not what the masks
    hold, so the prior of the masks as they are now may differ); without one, the prior of
    the masks as they are now. ``split_masks``: each split's masks, empty masks and
    foreground fraction (:func:`~.data_stats.split_masks`), for the saturation monitor."""
    variant_dir = run_dir / variant.name
    variant_dir.mkdir(exist_ok=True)  # a resume's, or a restart's (earlier attempts kept)
    checkpoint = load_checkpoint(variant_dir) if resuming else None
    # a resumed variant's weights, bias included, come from its checkpoint
    output_bias = prior_output_bias(variant, config, train_foreground_fraction)
    started_at = output_bias
    if checkpoint is not None:  # the earlier part started it, perhaps on other mask contents
        earlier = previous_run(run_dir).rows.get(variant.name, {}).get("initial_output_bias")
        if isinstance(earlier, int | float):
            started_at = float(earlier)
    keras.utils.set_random_seed(config.seed)  # every variant starts from the same seed
    built: list[keras.Model] = []  # the model, once built (the loop builds its own)
    if strategy_name != "multiworker":  # resume under multiworker is refused earlier
        with strategy.scope():
            built.append(compile_variant(variant, config, policy_name, output_bias))
            if checkpoint is not None:
                # the optimizer's variables must exist before its saved state can be loaded
                built[0].optimizer.build(built[0].trainable_variables)
                load_checkpoint_weights(built[0], checkpoint)
    callbacks = gather_callbacks(config, variant, variant_dir, datasets, val_baselines,
                                 val_files=val_files, split_masks=split_masks)
    history = next(c for c in callbacks if isinstance(c, HistoryWriter))
    meter = next(c for c in callbacks if isinstance(c, ThroughputMeter))
    fit_callbacks = [*callbacks, ProgressCallback(progress, task, config.epochs,
                                                  name=variant.name, epoch_lines=epoch_lines)]
    initial_epoch = continue_from(callbacks, checkpoint) if checkpoint is not None else 0
    started = time.perf_counter()
    status: VariantStatus = "finished"
    train_batches = datasets.fresh_train()  # the same batches for every variant
    try:
        if strategy_name == "multiworker":
            def build_model() -> keras.Model:
                built.append(build_variant(variant, config.img_size, config.channels,
                                           config.base_filters, config.depth,
                                           config.normalization, output_bias))
                return built[0]

            with precision_scope(policy_name):  # the loop builds the model in its scope
                fit_with_strategy(
                    strategy, build_model, variant_loss(variant, config),
                    lambda: build_metrics(config.metric_threshold, config.empty_rule),
                    lambda: make_optimizer(config),
                    train_batches, datasets.val, config.epochs, fit_callbacks)
        elif initial_epoch < config.epochs:
            endless, steps = endless_epochs(train_batches)
            # several replicas: Keras's predict_on_batch would repeat the probe per replica
            with (local_predictions(built[0]) if strategy_name == "mirrored"
                  else contextlib.nullcontext()):
                built[0].fit(endless, steps_per_epoch=steps, validation_data=datasets.val,
                             epochs=config.epochs, initial_epoch=initial_epoch, shuffle=False,
                             verbose=0,  # the pipeline shuffles
                             callbacks=fit_callbacks)
    except KeyboardInterrupt:
        status = "interrupted"
    except tf.errors.OpError as error:
        if datasets.decode_log.failures:
            raise datasets.decode_log.as_user_error() from None
        if "KeyboardInterrupt" not in str(error):
            raise
        status = "interrupted"  # the signal arrived inside a Python op TensorFlow was running
    finally:
        for callback in callbacks:  # fit skips on_train_end when interrupted
            if isinstance(callback, TensorBoardWriter):
                callback.close()
    if status == "interrupted":
        # the signal may land after the epoch's history was written and before its checkpoint
        # was: keep (and report) the epochs a resume goes on from, no more
        history.history = committed_epochs(history.history, variant_dir)
        write_history(variant_dir, history.history)
    history.history = without_untrained_epochs(history.history, callbacks)
    figures = history_fields(history.history)
    reasons = stop_reasons(callbacks)
    if status == "finished" and reasons:
        status = "stopped by guard"
    elif status == "finished" and figures["epochs_completed"] < config.epochs:
        status = "stopped"
    model = built[0] if built else None
    saved = None
    if status != "interrupted" and model is not None:
        write_history(variant_dir, history.history)
        # the epoch checkpoint stays: --resume RUN --epochs N goes on from it
        saved = save_models(model, variant_dir, epochs_completed=figures["epochs_completed"],
                            stopped_by_guard=status == "stopped by guard",
                            on_guard=config.on_guard)
        write_validation_scores(model, datasets.val, val_files, variant_dir,
                                config.metric_threshold, config.empty_rule)
    return VariantResult(
        name=variant.name, status=status, stop_reason=reasons[0] if reasons else None,
        time_per_step_ms=meter.time_per_step_ms, images_per_second=meter.images_per_second,
        parameters=count_parameters(model) if model is not None else None,
        seconds=time.perf_counter() - started,
        epoch_train_seconds=list(meter.epoch_seconds),
        model_path=saved.model_path if saved else None,
        model_holds=saved.holds if saved else None, model_epoch=saved.epoch if saved else None,
        last_model_path=saved.last_model_path if saved else None,
        learning_rate=config.learning_rate, initial_output_bias=started_at,
        findings=collect_findings(callbacks, f"train:{variant.name}"), **figures)
