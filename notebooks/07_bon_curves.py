# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 7. Best-of-n curves
#
# Proxy (left) and gold (right) reward of BoN against KL_bon = log n − (n−1)/n, one
# line per method and k. Overoptimization shows as the MAP gold curve turning down
# at large KL while its proxy curve keeps rising. Rewards are normalised as
# described in the README: the n = 1 value is subtracted and the result divided by
# the standard deviation of that reward over all sampled responses.

# %% tags=["parameters"]
profile = "smoke"  # smoke | cpu | paper
run_dir = None  # run directory; None means runs/<profile>
figures_dir = None  # where figures go; None means <run_dir>/figures
proxy_seeds = None  # list of seeds, must match stage 6
penalty_ks = None  # list of penalty weights k, must match stage 6
n_samples = None  # N, must match stage 5

# %%
from pathlib import Path

from bayesrm_utils import plots, stages
from bayesrm_utils.notebook import start_run

cfg, run = start_run(globals())
out = Path(figures_dir) if figures_dir else run.root / "figures"

# %%
table = stages.run_bon_estimates(run)
written = plots.write_bon_figures(table, out)
written

# %%
plots.bon_curve_figure(table, families=("MAP", "LA"), penalty="var")

# %%
plots.bon_curve_figure(table, families=("MAP", "LA"), penalty="std")

# %%
plots.bon_curve_figure(table, families=("MAP", "Ens", "LA Ens"), penalty="var")

# %% [markdown]
# ## Cost of this run
#
# Wall time of each stage's last run and the peak resident memory of the process
# that ran it. Stages that share a notebook share a process, so a later stage's
# peak includes the earlier ones.

# %%
stages.stage_costs(run)
