#!/usr/bin/env bash
# Run every benchmark, one after another, and print its comparison table:
# sampling (fast path vs plain generate), Laplace variance (fast path vs the
# forward pass and laplace-torch's glm predictive), the BoN estimator at paper
# size, and the gold reward's throughput. Run it on an otherwise idle machine;
# docs/benchmarks.md records a run.
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
python=.venv/bin/python

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
for bench in bench_sampling bench_variance bench_bon bench_gold; do
  echo
  echo "=== $bench ($(date +%T))"
  "$python" "benchmarks/$bench.py"
done
