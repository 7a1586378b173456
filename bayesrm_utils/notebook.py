"""Glue between a notebook's papermill ``parameters`` cell and the package.

A notebook's first code cell holds its parameters; the next cell calls
:func:`start_run` with ``globals()``. Every public global defined by then is a
parameter: ``profile`` picks the profile, ``run_dir`` the run directory, and the
rest override single configuration knobs (``None`` keeps the profile's value).
A misspelt ``papermill -p`` name therefore fails here instead of being ignored.
"""

from __future__ import annotations

import logging
import sys
import types

from bayesrm_utils.config import StudyConfig, load_config
from bayesrm_utils.stages import Run

# Names that IPython puts into every namespace.
_IPYTHON_NAMES = {"In", "Out", "get_ipython", "exit", "quit", "open"}

# Parameters of notebooks that are not configuration knobs.
NOTEBOOK_PARAMETERS = {"profile", "run_dir", "figures_dir", "log_level"}


def notebook_parameters(namespace: dict) -> dict:
    """Return the public, non-module, non-function globals of a notebook."""
    return {
        name: value
        for name, value in namespace.items()
        if not name.startswith("_")
        and name not in _IPYTHON_NAMES
        and not isinstance(value, (types.ModuleType, types.FunctionType, type))
    }


def start_run(namespace: dict) -> tuple[StudyConfig, Run]:
    """Build the configuration and run directory from a notebook's parameters."""
    params = notebook_parameters(namespace)
    if params.get("run_dir") == "":
        raise ValueError(
            "run_dir is an empty string: pass a directory, or None for runs/<profile>."
        )
    logging.basicConfig(
        level=str(params.get("log_level", "INFO")).upper(),
        format="%(asctime)s %(name)s %(levelname)s: %(message)s",
        stream=sys.stdout,
        force=True,
    )
    overrides = {k: v for k, v in params.items() if k not in NOTEBOOK_PARAMETERS}
    cfg = load_config(params.get("profile", "smoke"), **overrides)
    run = Run(cfg, params.get("run_dir"))
    logging.getLogger(__name__).info(
        "profile %s, run directory %s", cfg.profile, run.root
    )
    return cfg, run
