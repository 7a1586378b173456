#!/usr/bin/env bash
# Run the numbered notebooks headless with papermill, in pipeline order.
#
#   scripts/run_notebooks.sh PROFILE [papermill options...]
#
# Executed notebooks go to runs/PROFILE/notebooks/ (or RUN_DIR/notebooks when
# '-p run_dir RUN_DIR' is among the options). Extra options are passed to every
# notebook, e.g. '-p n_samples 64' or "-y 'proxy_seeds: [0, 1]'".
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
# OpenMP threads that spin while waiting make torch 10x slower as soon as any other
# process competes for the cores (measured: a 576x1536 bf16 matmul took 3.3 ms
# instead of 0.3 ms next to one busy process). Sleeping waiters avoid that.
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}

profile=${1:?usage: scripts/run_notebooks.sh PROFILE [papermill options...]}
shift
run_dir="runs/$profile"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  if [ "${args[i]}" = "-p" ] && [ "${args[i + 1]:-}" = "run_dir" ]; then
    run_dir=${args[i + 2]}
  fi
done
out="$run_dir/notebooks"
mkdir -p "$out"

# The converted input notebook is only a step; remove it even when papermill fails.
trap 'rm -f "$out"/*.input.ipynb' EXIT

notebooks=${NOTEBOOKS:-$(ls notebooks/0[1-8]_*.py)}
for source in $notebooks; do
  name=$(basename "$source" .py)
  echo "=== $name ($(date +%T))"
  start=$(date +%s)
  jupytext --quiet --to ipynb --set-kernel python3 -o "$out/$name.input.ipynb" "$source"
  papermill --kernel python3 --log-output --no-progress-bar \
    "$out/$name.input.ipynb" "$out/$name.ipynb" -p profile "$profile" "$@"
  echo "=== $name finished in $(($(date +%s) - start)) s"
done
