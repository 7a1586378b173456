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
# # 1. Supervised fine-tuning of the policy
#
# The policy learns the prompt format used throughout the study: an instruction
# wrapped as `<|prompter|>…<|endoftext|><|assistant|>`, then the response and
# `<|endoftext|>`. The loss covers response tokens only. Every later stage samples
# from this fine-tuned policy.

# %% tags=["parameters"]
profile = "smoke"  # smoke | cpu | paper
run_dir = None  # run directory; None means runs/<profile>
policy_source = None  # embedded name, local path or hub id of the base policy
sft_examples = None  # sft rows used for training (rows with a reference output)
sft_epochs = None  # passes over the examples
sft_lr = None  # peak learning rate (cosine schedule)
sft_batch_size = None  # sequences per optimiser step
sft_max_length = None  # tokens per sequence, prompt + response
dtype = None  # "auto", "bfloat16" or "float32" autocast for forwards

# %%
from bayesrm_utils import plots, stages
from bayesrm_utils.notebook import start_run

cfg, run = start_run(globals())

# %% [markdown]
# Train, or reuse the fine-tuned policy if this run directory already holds one
# made with the same configuration.

# %%
loss = stages.run_sft(run)
loss.tail()

# %% [markdown]
# The training loss should fall during the first epoch and flatten afterwards;
# a rising curve means the learning rate is too high for this policy.

# %%
plots.loss_figure(loss, x="step", y="loss", title="SFT loss per step")
