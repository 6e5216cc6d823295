#!/bin/bash
# usage: run.sh CODE(main|wt) DIR TAG [audit-data args]  -> DIR/out_TAG.txt
code=$1; dir=$2; tag=$3; shift 3
if [ "$code" = wt ]; then export PYTHONPATH=/work/wt/s27/align; fi
cd $dir && COLUMNS=160 /work/main/.venv/bin/unetdiag audit-data -q -v --workers 1 --images images --masks masks "$@" > out_$tag.txt 2>&1; echo "rc=$?" >> out_$tag.txt
