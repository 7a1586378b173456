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
# # 2. Preference data labelled by the gold reward
#
# For each prompt of the `preference` split the SFT policy samples two responses,
# and the gold reward scores both. The pair is labelled with the response the gold
# reward prefers (`label_mode="argmax"`, the default) or with a label drawn from the
# Bradley-Terry model on the two gold scores (`label_mode="bradley_terry"`). Pairs
# of identical responses carry no preference and are dropped.

# %% tags=["parameters"]
profile = "smoke"  # smoke | cpu | paper
run_dir = None  # run directory; None means runs/<profile>
n_preference_prompts = None  # prompts of the preference split, two samples each
label_mode = None  # "argmax" or "bradley_terry"
gold_kind = None  # "embedded", "sequence_classifier" or "causal_lm_judge"
gold_source = None  # hub id or local path for a non-embedded gold reward
max_new_tokens = None  # tokens per sampled response
temperature = None  # sampling temperature
top_p = None  # nucleus sampling threshold
sampling_batch_size = None  # sequences per decoding batch (prompts x 2 samples)
gold_batch_size = None  # responses per gold forward
dtype = None  # "auto" (bfloat16 if the CPU has it), "bfloat16", "float32"

# %%
from bayesrm_utils import plots, stages
from bayesrm_utils.notebook import start_run

cfg, run = start_run(globals())

# %%
pairs = stages.run_preference(run)
print(f"{len(pairs)} labelled pairs from {cfg.n_preference_prompts} prompts")

# %% [markdown]
# A useful pair set has gold gaps spread over a range: tiny gaps are close to coin
# flips for the proxy, large ones are easy.

# %%
pairs["gold_gap"] = (pairs["gold_a"] - pairs["gold_b"]).abs()
pairs[["gold_a", "gold_b", "gold_gap"]].describe()

# %%
plots.histogram_figure(pairs, column="gold_gap", title="Gold reward gap per pair")

# %% [markdown]
# One pair, to read what the proxy will learn from.

# %%
example = pairs.iloc[0]
print("PROMPT:", example["prompt"], "\n")
print("CHOSEN:", example["chosen"], "\n")
print("REJECTED:", example["rejected"])
