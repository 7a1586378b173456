"""Convert AlpacaFarm's recovered reward model into a safetensors sequence classifier.

AlpacaFarm publishes its human-preference reward model (``reward-model-human``) as
a weight diff against LLaMA-7B. Recover it first with AlpacaFarm's own tool
(``python -m pretrained_models.recover_model_weights --llama-7b-hf-dir LLAMA_DIR
--alpaca-farm-model-name reward-model-human --models-save-dir OUT``), then run::

    python scripts/convert_alpacafarm_reward_model.py \\
        --recovered OUT/reward-model-human --llama-dir LLAMA_DIR --output GOLD_DIR

and set ``gold_kind="sequence_classifier"``, ``gold_source=GOLD_DIR`` (the paper
profile expects it at ``models/alpaca_farm_reward_model_human`` under the
repository root).

AlpacaFarm's ``RewardModel`` runs the LLaMA body and a linear ``reward_head`` (with
bias) on the hidden state of the last position. ``LlamaForSequenceClassification``
computes the same with right padding: it pools the last non-padding token. Its
``score`` layer has no bias, so the bias is dropped. A constant shift changes no
ranking, no Bradley-Terry label and no normalised curve in this study; it is
written to ``reward_head_bias.json`` for anyone who needs absolute values.

The recovered checkpoint is pickled (``pytorch_model*.bin``). This script is the
explicit step that reads it, with ``torch.load(weights_only=True)``, which only
unpickles tensors; the rest of the project reads the safetensors it writes.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import torch
from safetensors.torch import load_file
from transformers import AutoTokenizer, LlamaConfig, LlamaForSequenceClassification

logger = logging.getLogger(__name__)

BACKBONE_PREFIX = "backbone_model.model."


def load_state_dict(directory: Path) -> dict[str, torch.Tensor]:
    """Read every weight shard of ``directory`` (safetensors first, else .bin)."""
    shards = sorted(directory.glob("*.safetensors"))
    if shards:
        state = {}
        for shard in shards:
            state.update(load_file(shard))
        return state

    shards = sorted(directory.glob("pytorch_model*.bin"))
    if not shards:
        raise FileNotFoundError(
            f"No *.safetensors or pytorch_model*.bin weights in {directory}. Pass the "
            "directory written by AlpacaFarm's recover_model_weights."
        )
    state = {}
    for shard in shards:
        state.update(torch.load(shard, map_location="cpu", weights_only=True))
    return state


def convert(recovered: Path, llama_dir: Path, output: Path) -> Path:
    """Write ``output`` as a LlamaForSequenceClassification with one label."""
    state = load_state_dict(recovered)
    if "reward_head.weight" not in state:
        raise ValueError(
            f"{recovered} has no 'reward_head.weight': it is not an AlpacaFarm "
            "RewardModel checkpoint."
        )

    config = LlamaConfig.from_pretrained(llama_dir)
    config.num_labels = 1
    tokenizer = AutoTokenizer.from_pretrained(llama_dir)
    if tokenizer.pad_token is None:
        # AlpacaFarm adds a pad token; any id works because padding is masked and
        # pooling uses the last non-padding position.
        tokenizer.pad_token = tokenizer.unk_token or tokenizer.eos_token
    config.pad_token_id = tokenizer.pad_token_id

    body = {
        key[len(BACKBONE_PREFIX) :]: value
        for key, value in state.items()
        if key.startswith(BACKBONE_PREFIX)
    }
    embeddings = body["embed_tokens.weight"]
    config.vocab_size = embeddings.shape[0]

    model = LlamaForSequenceClassification(config)
    missing, unexpected = model.model.load_state_dict(body, strict=False)
    missing = [k for k in missing if "rotary_emb" not in k]
    if missing or unexpected:
        raise ValueError(
            f"Backbone weights do not match LLaMA's layout: missing {missing[:5]}, "
            f"unexpected {unexpected[:5]}."
        )
    model.score.weight.data.copy_(state["reward_head.weight"].reshape(1, -1))

    output.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(output, safe_serialization=True)
    tokenizer.save_pretrained(output)
    bias = state.get("reward_head.bias")
    (output / "reward_head_bias.json").write_text(
        json.dumps({"bias": None if bias is None else float(bias.reshape(-1)[0])})
        + "\n"
    )
    logger.info("wrote %s", output)
    return output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--recovered",
        type=Path,
        required=True,
        help="directory of the recovered reward-model-human",
    )
    parser.add_argument(
        "--llama-dir",
        type=Path,
        required=True,
        help="LLaMA-7B in Hugging Face format (config and tokenizer)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        required=True,
        help="directory to write the sequence classifier to",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO)
    convert(args.recovered, args.llama_dir, args.output)


if __name__ == "__main__":
    main()
