"""unetdiag: train binary-segmentation U-Nets and find out, with evidence, why the numbers lie.

Importing this package does not import TensorFlow; only :mod:`unetdiag.training` does.
"""

__version__ = "0.1.0"
