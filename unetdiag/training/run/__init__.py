"""The run folder of ``unetdiag train``: creating it, what each variant leaves in it (history,
epoch checkpoint, model), resuming it, and its summary; and the two bookkeeping callbacks
(throughput, progress display)."""
