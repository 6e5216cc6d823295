"""EarlyStopping's ``Epoch 00012: early stopping`` counted from 0 (Keras 1 and Keras 2 before
2.0.9, keras-team/keras#8137: ``Epoch 00002: reducing learning rate`` under ``Epoch 3/100``):
where the log's other callback messages show that count, the last epoch run is 13, not 12."""

from __future__ import annotations

from unetdiag.diag.logs.console import parse_console

BAR = "38/38 [==============================] - 4s - loss: {loss} - val_loss: {val}"


def test_a_zero_based_log_names_the_epoch_after_the_one_early_stopping_prints():
    # epochs 3 to 4 elided with '...'; ModelCheckpoint's 'Epoch 00000' under 'Epoch 1/12'
    # shows the count from 0, so 'Epoch 00004: early stopping' is the fifth epoch
    text = ("Epoch 1/12\n" + BAR.format(loss="0.5000", val="0.4500") + "\n"
            "Epoch 00000: val_loss improved from inf to 0.45000, saving model to w.h5\n"
            "Epoch 2/12\n 1/38 [..............................] - ETA: 3s - loss: 0.4100\n"
            "...\n" + BAR.format(loss="0.3738", val="0.3450") + "\n"
            "Epoch 00004: early stopping\n")
    [run] = parse_console(text)
    assert run.epoch_numbers == [1, 5]
    assert any("EarlyStopping names epoch 5" in note and "counted from 0" in note
               for note in run.notes)


def test_without_a_zero_based_message_a_keras_1_line_leaves_both_numbers_open():
    text = ("Epoch 1/12\n 1/38 [..............................] - ETA: 3s - loss: 0.8592\n"
            "...\n" + BAR.format(loss="0.3738", val="0.3450") + "\nEpoch 00005: early stopping\n")
    [run] = parse_console(text)
    assert run.epoch_numbers == [5]
    assert any("EarlyStopping names epoch 5" in note and "it is epoch 6" in note
               for note in run.notes)


def test_a_full_keras_1_log_keeps_its_headers_numbers():
    # 'Epoch 00002: early stopping' right after 'Epoch 3/12': counted from 0, the third epoch
    text = "".join(f"Epoch {n}/12\n" + BAR.format(loss=f"0.{50 - n}00", val="0.4000") + "\n"
                   for n in (1, 2, 3)) + "Epoch 00002: early stopping\n"
    [run] = parse_console(text)
    assert run.epoch_numbers == [1, 2, 3]
    assert not any("EarlyStopping names" in note for note in run.notes)


def test_a_zero_based_message_after_an_unfinished_drawing_says_the_epoch_ended():
    # keras#8137's description (Keras 2.0.8): 'Epoch 00002: reducing learning rate' after
    # epoch 3's 2299/2300 drawing is epoch 3's end-of-epoch message, counted from 0
    text = ("Epoch 1/100\n" + BAR.format(loss="3.6914", val="3.7383") + "\n"
            "Epoch 3/100\n 37/38 [============================>.] - ETA: 0s - loss: 3.6904\n"
            "Epoch 00002: reducing learning rate to 9.999999747378752e-06.\n")
    [run] = parse_console(text)
    assert any("epoch 3/100 (line 3) has no closing progress line, though a callback's "
               "end-of-epoch message for it is at line 5" in note for note in run.notes)


def test_an_unpadded_message_of_the_users_own_callback_does_not_make_the_log_count_from_0():
    # TF 2.x prints 'Epoch 4: early stopping' unpadded and from 1; a callback of the user's
    # own that prints the epoch index Keras hands it ('Epoch 0: ...' after epoch 1) counts
    # from 0, but says nothing of Keras's messages, which count from 1 there
    bar = "38/38 [==============================] - 4s 100ms/step - loss: {loss} - val_loss: {val}"
    text = ("Epoch 1/12\n" + bar.format(loss="0.5000", val="0.4500") + "\n"
            "Epoch 0: my_callback mean dice 0.41\n"
            "Epoch 2/12\n 1/38 [..............................] - ETA: 3s - loss: 0.4100\n"
            "...\n" + bar.format(loss="0.3738", val="0.3450") + "\n"
            "Epoch 4: early stopping\n")
    [run] = parse_console(text)
    assert run.epoch_numbers == [1, 4]
    assert not any("counted from 0" in note for note in run.notes)


def test_an_unpadded_early_stopping_message_is_not_offered_a_count_from_0():
    # 'Epoch 5: early stopping' is TF 2.7+'s format, counted from 1: Keras 1 and 2.0.x, which
    # counted from 0, printed 'Epoch 00005'
    text = ("Epoch 1/12\n 1/38 [..............................] - ETA: 3s - loss: 0.8592\n"
            "...\n" + BAR.format(loss="0.3738", val="0.3450") + "\nEpoch 5: early stopping\n")
    [run] = parse_console(text)
    assert run.epoch_numbers == [5]
    assert not any("it is epoch 6" in note for note in run.notes)
