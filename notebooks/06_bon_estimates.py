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
# # 6. Best-of-n estimates
#
# For every ranking method (MAP, LA with the std penalty r − k·√Λ and the variance
# penalty r − k·Λ, the ensemble mean Ens, and LA Ens with mean of means and
# variance ΣΛᵢ/m²) and every n = 1, 2, 4, …, N, the unbiased estimator averages the
# reward of the response each ranking picks: sort a prompt's N responses by the
# ranking reward, then the i-th weighs C(i−1, n−1)/C(N, n). The gold score entering
# it is always that of the response the ranking picked.

# %% tags=["parameters"]
profile = "smoke"  # smoke | cpu | paper
run_dir = None  # run directory; None means runs/<profile>
penalty_ks = None  # list of penalty weights k
proxy_seeds = (
    None  # list of seeds forming the ensembles (the first is the single model)
)
n_samples = None  # N, must match stage 5

# %%
from bayesrm_utils import stages
from bayesrm_utils.notebook import start_run

cfg, run = start_run(globals())

# %%
table = stages.run_bon_estimates(run)
table.head()

# %% [markdown]
# Gold reward at the largest n per method, the summary the figures expand on.

# %%
largest = table[(table["n"] == table["n"].max()) & (table["eval"] == "gold")]
largest.sort_values("mean", ascending=False)[["method", "mean", "sem"]]
