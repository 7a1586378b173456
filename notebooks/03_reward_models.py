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
# # 3. Proxy reward models
#
# One reward model per seed: LoRA adapters (r=8, α=16, no dropout) and a scalar
# head on a small backbone, trained with the Bradley-Terry loss on the gold-labelled
# pairs. The seed sets the LoRA and head initialisation and the data order; the
# members form the ensembles of stage 6. A share of the pairs is held out (the same
# for every seed) to report accuracy and mean margin.

# %% tags=["parameters"]
profile = "smoke"  # smoke | cpu | paper
run_dir = None  # run directory; None means runs/<profile>
proxy_backbone = None  # embedded name, local path or hub id of the backbone
proxy_seeds = None  # list of seeds, one reward model each
rm_epochs = None  # passes over the training pairs
rm_lr = None  # peak learning rate (linear schedule)
rm_batch_size = None  # preference pairs per optimiser step
rm_max_length = None  # tokens, prompt + response
rm_eval_fraction = None  # held-out share of the pairs
lora_r = None  # LoRA rank
lora_alpha = None  # LoRA scaling numerator
lora_dropout = None  # LoRA dropout probability
dtype = None  # "auto" (bfloat16 if the CPU has it), "bfloat16", "float32"

# %%
from bayesrm_utils import plots, stages
from bayesrm_utils.notebook import start_run

cfg, run = start_run(globals())

# %%
log = stages.run_reward_models(run)
final = log.dropna(subset=["accuracy"]).groupby("proxy_seed").tail(1)
final

# %% [markdown]
# Held-out accuracy well above 0.5 means the proxy learnt the gold preferences;
# the members should agree roughly but not exactly, or the ensemble adds nothing.

# %%
plots.loss_figure(
    log.dropna(subset=["accuracy"]),
    x="step",
    y="accuracy",
    color="proxy_seed",
    title="Held-out accuracy",
)
