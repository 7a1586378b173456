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
# # 4. Laplace-LoRA
#
# A Laplace approximation around each trained reward model, over the LoRA and head
# weights: the posterior precision is the Kronecker-factored generalised
# Gauss-Newton of the Bradley-Terry likelihood plus a prior precision tuned by
# marginal likelihood. The linearised model then gives each (prompt, response) a
# Gaussian reward whose mean is the MAP reward and whose variance is Λ = J Σ Jᵀ.

# %% tags=["parameters"]
profile = "smoke"  # smoke | cpu | paper
run_dir = None  # run directory; None means runs/<profile>
hessian_structure = None  # "kron", "diag" or "full"
laplace_batch_size = None  # preference pairs per curvature batch
proxy_seeds = None  # list of seeds, one posterior each

# %%
from bayesrm_utils import stages
from bayesrm_utils.notebook import start_run

cfg, run = start_run(globals())

# %% [markdown]
# `max_abs_mean_minus_map` checks on held-out responses that the predictive mean is
# the MAP reward; it should be at float round-off. The standard deviations show the
# scale of the uncertainty penalty relative to the rewards.

# %%
summary = stages.run_laplace(run)
summary
