"""The sentences of ``evaluate.images_converted`` and ``evaluate.intensity_differs``
(:mod:`.images`)."""

from __future__ import annotations

from collections.abc import Mapping

from unetdiag.diag.checks.sentences import Sentences
from unetdiag.diag.wording.text import join_names, plural, verb

#: How a colour image becomes one channel (as Pillow's convert("L"); :func:`read_image`).
LUMINANCE = "luminance (0.299 R + 0.587 G + 0.114 B, ITU-R BT.601, as Pillow converts)"
NOT_COMPARABLE = ("so these scores may not be comparable with the scores the model got on "
                  "its validation images")


def _training(evidence: Mapping, what: str) -> str:
    """``"The run that saved the model (runs/a) trained it on 10 images: ..."``."""
    return (f"The run that saved the model ({evidence['training_run']}) trained it on "
            f"{plural(evidence['training_images'], 'image')}: {what}.")


def converted_sentences(evidence: Mapping) -> Sentences:
    images, channels = evidence["images"], evidence["model_channels"]
    colour, to_grey = evidence["colour_images"], evidence["converted_to_grey"]
    repeated = evidence["repeated_to_three_channels"]
    done = []
    if to_grey:
        done.append(f"{to_grey} of the {plural(images, 'image')} scored "
                    f"{verb(to_grey, 'is', 'are')} colour (channels that differ) and "
                    f"{verb(to_grey, 'was', 'were')} converted to grey by {LUMINANCE}")
    if repeated:
        done.append(f"{repeated} of the {plural(images, 'image')} scored "
                    f"{verb(repeated, 'is', 'are')} grey and {verb(repeated, 'was', 'were')} "
                    "repeated into three equal channels")
    if colour and not to_grey:
        done.append(f"{colour} of the {plural(images, 'image')} scored "
                    f"{verb(colour, 'is', 'are')} colour, given to it as "
                    f"{verb(colour, 'it is', 'they are')}")
    if not done:
        done.append(f"the {plural(images, 'image')} scored are grey (or grey stored as colour)")
    opening = (f"The model takes {plural(channels, 'channel')}; {join_names(done)}, as "
               "train reads images for such a model.")
    trained_colour = evidence["training_colour_images"]
    recorded = evidence["training_images"] is not None
    if evidence["training_run"] is None:
        training = "No train run record beside the model says what kind of images it learnt from."
    elif not recorded:
        training = (f"The run that saved the model ({evidence['training_run']}) records nothing "
                    "of the images it learnt from.")
    elif trained_colour == 0:
        training = _training(evidence, "every one grey (or grey stored as colour)")
    else:
        training = _training(evidence, f"{trained_colour} of them colour")
    if evidence["unlike_training"]:
        # the colour ones when some are colour, the grey ones (all of them) otherwise
        unlike = colour or images
        seen = "colour" if colour else "grey"
        which = (f"The {plural(images, 'image')} scored {verb(images, 'is', 'are')}"
                 if unlike == images else f"{unlike} of the {plural(images, 'image')} scored "
                 f"{verb(unlike, 'is', 'are')}")
        title = f"{which} {seen}, unlike the images the model was trained on"
        these = "these" if unlike == images else f"the {unlike} {seen} ones"
        closing = f"The model never learnt from images like {these}, {NOT_COMPARABLE}."
        fix = ("Score the model on images of the kind it was trained on, or train it on images "
               "like these" + (" (--channels 3 keeps their colour)." if colour and channels == 1
                               else "."))
    else:
        title = (f"{to_grey or repeated} of {plural(images, 'image')} scored "
                 f"{verb(to_grey or repeated, 'was', 'were')} converted to the model's "
                 f"{plural(channels, 'channel')}")
        closing = ("The same conversion as in training: nothing to do if the images are of "
                   "the kind the model learnt from." if recorded else
                   "Nothing to do if the model learnt from images converted the same way.")
        fix = ("Nothing, if that is how the model's training images were read; otherwise "
               "score it on images of their kind.")
    return Sentences(title, " ".join((opening, training, closing)), fix)


def _depths(depths: Mapping) -> str:
    """``"all 16-bit"``, ``"8-bit: 3, 16-bit: 9"``."""
    if len(depths) == 1:
        return f"all {next(iter(depths))}"
    return ", ".join(f"{depth}: {count}" for depth, count in depths.items())


def intensity_sentences(evidence: Mapping) -> Sentences:
    ratio = evidence["ratio"]
    factor = (f"{ratio:.3g} times theirs" if ratio > 1
              else f"{1 / ratio:.3g} times lower than theirs")
    return Sentences(
        title=(f"The images scored are on another intensity range than the training images: "
               f"median brightest value {evidence['high_median']:.3g} against "
               f"{evidence['training_high_median']:.3g}"),
        explanation=(
            "Images are scaled to [0, 1] by their stored range (8-bit divided by 255, 16-bit "
            "by 65535), as train scales them. The "
            f"{plural(evidence['images'], 'image')} scored ({_depths(evidence['depth'])}) "
            f"hold {evidence['low']:.3g} to {evidence['high']:.3g} after that scaling, the "
            f"median image's brightest value {evidence['high_median']:.3g}. "
            + _training(evidence, f"{_depths(evidence['training_depth'])}, "
                        f"{evidence['training_low']:.3g} to {evidence['training_high']:.3g}, "
                        f"the median image's brightest {evidence['training_high_median']:.3g}")
            + f" The median brightest value scored is {factor} (beyond a factor of "
            f"{evidence['range_ratio']:g}): the model sees intensities it was not trained on, "
            f"{NOT_COMPARABLE}; they say as much about the scaling as about the model."),
        fix=("Give the images the training images' range (the same bit depth and scaling: "
             "12-bit data in a 16-bit file multiplied by 16, an 8-bit copy of 16-bit images "
             "made the way the training images were), or train on images like these."))
