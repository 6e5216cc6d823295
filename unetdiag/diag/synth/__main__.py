"""``python -m unetdiag.diag.synth OUT``: write the synthetic dataset (see :mod:`.generator`)."""

from unetdiag.diag.synth.generator import main

raise SystemExit(main())
