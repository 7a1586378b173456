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
# # 8. Explore the best-of-n responses
#
# The BoN curves average over prompts, and this notebook shows the responses
# behind them. For one prompt at a time it ranks the N sampled responses the way
# a method does: MAP, LA with its penalty `r − k·σ` or `r − k·Λ`, the seed
# ensemble Ens, and the Laplace ensemble. Over all prompts, it lists the
# responses that the proxy rates far above the gold reward. Look for two things: does the
# response that best-of-n picks also have a high gold reward, and do the
# over-rated responses have a high Laplace σ (so that the penalty can demote
# them)?
#
# It needs a finished `05_bon_samples` stage and reads nothing else.

# %% tags=["parameters"]
profile = "smoke"  # smoke | cpu | paper
run_dir = None  # run directory; None means runs/<profile>
method = "LA var"  # initial method: MAP, LA std, LA var, Ens, LA Ens std, LA Ens var
k = 1.0  # initial penalty strength k (reward units per σ or per Λ)
k_max = 30.0  # upper end of the k slider
n = None  # initial best-of-n size; None means N
prompt_index = 0  # initial prompt
page_size = 20  # table rows per page
max_scatter_points = 5000  # responses in the scatter plot; more are subsampled
overoptimized_limit = 1000  # responses in the overoptimization list
log_level = "INFO"  # logging level of the package

# %%
import logging
import sys
from pathlib import Path

from IPython.display import display

from bayesrm_utils import explorer
from bayesrm_utils.config import REPO_ROOT

logging.basicConfig(level=log_level, stream=sys.stdout, force=True)
root = Path(run_dir) if run_dir else REPO_ROOT / "runs" / profile
data = explorer.ExplorerData.open(root)

# %% [markdown]
# Choose a prompt (type words to filter the list), a method, k and n. The table
# ranks the prompt's responses best first: ▲ marks the top-ranked response, which
# best-of-N picks, and ★ the one the gold reward prefers. For n < N best-of-n
# picks at random among the top responses, and `P(pick)` is each response's
# chance, `C(i−1, n−1)/C(N, n)` for ascending rank i. The `Overoptimized` tab
# lists the responses with the largest gap between z-scored proxy and gold
# rewards, with the percentile of their σ. In the scatter plot, click a point to
# read its response.

# %%
ui = explorer.Explorer(
    data,
    method=method,
    k=k,
    k_max=k_max,
    n=n,
    prompt_index=prompt_index,
    page_size=page_size,
    max_scatter_points=max_scatter_points,
    overoptimized_limit=overoptimized_limit,
)
display(ui.widget)

# %% [markdown]
# The same views as tables, for reading the executed notebook without a kernel.
# The first prompt's responses ranked by the initial method:

# %%
ranking = explorer.rank_prompt(data, prompt_index, method, k, n)
explorer.with_texts(data, ranking.head(page_size))

# %% [markdown]
# The most over-rated responses: a σ percentile near 100 means the Laplace
# posterior was unsure about exactly these responses.

# %%
explorer.with_texts(data, explorer.overoptimized(data, method, k, limit=page_size))
