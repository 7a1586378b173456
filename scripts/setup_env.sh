#!/usr/bin/env bash
# Create .venv with the CPU build of torch and every package the study needs.
# Safe to rerun: pip skips what is already installed.
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
pip=(.venv/bin/python -m pip)

"${pip[@]}" install --quiet --upgrade pip
# The constraints file pins torch to the CPU build for every install below.
"${pip[@]}" install --quiet -c requirements/constraints.txt \
  -r requirements/base.txt -r requirements/dev.txt
"${pip[@]}" install --quiet --no-deps -r requirements/nodeps.txt
"${pip[@]}" install --quiet --no-deps --no-build-isolation -e .

# PyPI's torchvision does not import beside the CPU torch wheel and breaks
# 'import laplace'; nothing here uses it, so make sure it is absent.
if .venv/bin/python -c "import torchvision" >/dev/null 2>&1 \
  || .venv/bin/python -m pip show torchvision >/dev/null 2>&1; then
  "${pip[@]}" uninstall --quiet -y torchvision
fi

bash scripts/install_browser.sh

.venv/bin/python - <<'PY'
import torch, transformers, peft, laplace, papermill, jupytext  # noqa: F401
assert torch.__version__.endswith("+cpu"), f"expected the CPU torch, got {torch.__version__}"
print(f"environment ready: torch {torch.__version__}, transformers {transformers.__version__}")
PY
