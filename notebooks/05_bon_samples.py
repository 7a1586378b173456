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
# # 5. Best-of-n samples
#
# The SFT policy samples N responses for each prompt of the `val` split. Each
# response is scored by the gold reward and by every proxy's Laplace predictive
# (mean = MAP reward, variance Λ). Sampling and scoring checkpoint after every
# prompt, so an interrupted run resumes where it stopped.

# %% tags=["parameters"]
profile = "smoke"  # smoke | cpu | paper
run_dir = None  # run directory; None means runs/<profile>
n_val_prompts = None  # prompts of the val split
n_samples = None  # N, responses per prompt
max_new_tokens = None  # tokens per sampled response
temperature = None  # sampling temperature
top_p = None  # nucleus sampling threshold
sampling_batch_size = None  # sequences per generate batch
score_batch_size = None  # responses per proxy forward
gold_batch_size = None  # responses per gold forward
proxy_seeds = None  # list of seeds whose proxies score the samples
dtype = None  # "auto" (bfloat16 if the CPU has it), "bfloat16", "float32"

# %%
import numpy as np

from bayesrm_utils import plots, stages
from bayesrm_utils.notebook import start_run

cfg, run = start_run(globals())

# %%
scores = stages.run_bon_samples(run)
{name: values.shape for name, values in scores.items()}

# %% [markdown]
# Proxy against gold reward over all samples. A proxy that learnt the gold
# preferences shows a rising cloud. The colour is the Laplace standard deviation
# of the first proxy.

# %%
corr = np.corrcoef(scores["gold"].ravel(), scores["member_means"][0].ravel())[0, 1]
print(f"Pearson correlation of gold and proxy (seed {cfg.proxy_seeds[0]}): {corr:.3f}")
plots.scatter_figure(
    proxy=scores["member_means"][0].ravel(),
    gold=scores["gold"].ravel(),
    std=np.sqrt(scores["member_vars"][0]).ravel(),
)
