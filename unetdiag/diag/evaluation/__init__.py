"""Scoring a model's predictions on a dataset, in NumPy only: per-image scores and the CSV of
them (:mod:`.scores`), every Dice convention side by side with the trivial baselines
(:mod:`.conventions`), and the findings and headline of ``unetdiag evaluate``
(:mod:`.findings`)."""
