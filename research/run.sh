#!/bin/bash
# usage: run.sh CASE TAG [audit-data args...] -> /tmp/s27enc/out/CASE_out_TAG.txt (full; CASE/summary.txt keeps headlines) (-q -v, 160 cols), this worktree's code
case=$1; tag=$2; shift 2
cd /work/wt/s27/enc/research/$case
PYTHONPATH=/work/wt/s27/enc COLUMNS=160 /work/main/.venv/bin/python -m unetdiag audit-data -q -v --workers 1 "$@" > /tmp/s27enc/out/${case}_out_$tag.txt 2>&1; echo "rc=$?" >> /tmp/s27enc/out/${case}_out_$tag.txt
sed -n "/In plain words/,/^Findings/p;/^ [A-Z]* *[a-z]*\.[a-z_]*  /p" /tmp/s27enc/out/${case}_out_$tag.txt; tail -1 /tmp/s27enc/out/${case}_out_$tag.txt
