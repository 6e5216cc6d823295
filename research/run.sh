#!/bin/bash
# usage: run.sh CASE TAG [audit-data args...] -> CASE/out_TAG.json (+ .err with stderr and rc); prints show.py's summary.
# CODE=wt runs this worktree's code (PYTHONPATH), otherwise /work/main's.
case=$1; tag=$2; shift 2
here=/work/wt/s27/newenc/research
cd $here/$case
if [ "${CODE:-main}" = wt ]; then export PYTHONPATH=/work/wt/s27/newenc; fi
COLUMNS=160 /work/main/.venv/bin/python -m unetdiag audit-data -q --json --workers 1 "$@" > out_$tag.json 2> out_$tag.json.err; echo "rc=$?" >> out_$tag.json.err
/work/main/.venv/bin/python $here/show.py out_$tag.json ${SHOW:-}
