"""Console layouts of the tenth pass over public Keras logs (docs/real-logs.md, pass 10)."""

from __future__ import annotations

from unetdiag.diag.logs.console import parse_console
from unetdiag.diag.logs.progress import clean_line

# IAmSuyogJadhav/3d-mri-brain-tumor-segmentation-using-autoencoder-regularization#37: the
# ETA drawing was cut inside a metric name and the closing drawing glued to it
GLUED = ("Epoch 90/90\n"
         "1/2 [==============>...............] - ETA: 15s - loss: 0.0271 - "
         "Dec_GT_Output_loss: 0.0000e+00 - Dec_VAE_Output_loss: 0.0271 - Dec_GT_Output_d"
         "2/2 [==============================] - 30s 15s/step - loss: 0.0282 - "
         "Dec_GT_Output_loss: 0.0000e+00 - Dec_VAE_Output_loss: 0.0282 - "
         "Dec_GT_Output_dice_coefficient: 0.0000e+00 - Dec_VAE_Output_dice_coefficient: 0.8795\n")


def test_a_closing_drawing_glued_to_a_name_cut_off_is_the_epochs_end():
    [run] = parse_console(GLUED)
    assert run.epoch_numbers == [90]
    assert run.epochs[0]["loss"] == 0.0282
    assert run.epochs[0]["Dec_VAE_Output_dice_coefficient"] == 0.8795
    assert run.steps_per_epoch == [2] and run.step_seconds == [15.0]
    assert not any("never finished" in note or "no epoch's closing line is in the log" in note
                   for note in run.notes)


def test_the_glued_counter_is_the_digits_tail_not_above_the_target():
    # "dice_coef1" cut after its digit, then "12/12": the counter is 12, not 112
    line = "3/12 [==>...] - ETA: 5s - loss: 0.5 - dice_coef112/12 [=====] - 9s - loss: 0.4"
    assert clean_line(line) == "12/12 [=====] - 9s - loss: 0.4"
    # a name ending in digits before its colon is no drawing: nothing is cut
    plain = "12/12 [=====] - 9s - loss: 0.4 - f1: 0.5 - top2/5: 0.3"
    assert clean_line(plain) == plain
