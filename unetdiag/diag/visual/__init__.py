"""Pictures of predictions, in NumPy and Pillow only (no TensorFlow): :mod:`.overlay`."""
