import importlib.util
import json
from pathlib import Path

import pytest
import torch
from tiny import save_tiny_policy, tiny_tokenizer
from torch import nn
from transformers import LlamaForSequenceClassification

SCRIPT = (
    Path(__file__).resolve().parent.parent
    / "scripts"
    / "convert_alpacafarm_reward_model.py"
)
spec = importlib.util.spec_from_file_location("convert_alpacafarm", SCRIPT)
convert_alpacafarm = importlib.util.module_from_spec(spec)
spec.loader.exec_module(convert_alpacafarm)


def alpacafarm_checkpoint(tmp_path):
    """A pickled checkpoint in the layout of AlpacaFarm's RewardModel."""
    llama_dir = save_tiny_policy(tmp_path / "llama")
    from transformers import LlamaForCausalLM

    backbone = LlamaForCausalLM.from_pretrained(llama_dir)
    torch.manual_seed(3)
    head = nn.Linear(backbone.config.hidden_size, 1)
    nn.init.normal_(head.bias)
    state = {f"backbone_model.{k}": v for k, v in backbone.state_dict().items()}
    state["reward_head.weight"] = head.weight.detach().clone()
    state["reward_head.bias"] = head.bias.detach().clone()
    recovered = tmp_path / "reward-model-human"
    recovered.mkdir()
    torch.save(state, recovered / "pytorch_model.bin")
    return recovered, llama_dir, backbone, head


def test_converted_matches_alpacafarm_forward(tmp_path):
    recovered, llama_dir, backbone, head = alpacafarm_checkpoint(tmp_path)
    out = convert_alpacafarm.convert(recovered, llama_dir, tmp_path / "gold")

    tokenizer = tiny_tokenizer()
    texts = [
        "<|prompter|>what is a cat ?",
        "<|prompter|>name three red dog ideas , one two",
    ]
    converted = LlamaForSequenceClassification.from_pretrained(
        out, use_safetensors=True
    )
    bias = json.loads((out / "reward_head_bias.json").read_text())["bias"]
    for text in texts:
        ids = tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            hidden = backbone.model(**ids).last_hidden_state[:, -1]
            expected = head(hidden).squeeze(-1)
            got = converted(**ids).logits.squeeze(-1) + bias
        torch.testing.assert_close(got, expected, rtol=1e-5, atol=1e-5)


def test_converted_pools_last_token_with_right_padding(tmp_path):
    recovered, llama_dir, backbone, head = alpacafarm_checkpoint(tmp_path)
    out = convert_alpacafarm.convert(recovered, llama_dir, tmp_path / "gold")
    converted = LlamaForSequenceClassification.from_pretrained(
        out, use_safetensors=True
    )
    tokenizer = tiny_tokenizer()
    texts = ["a cat", "what is the sum of one and two ?"]
    batch = tokenizer(texts, return_tensors="pt", padding=True)
    with torch.no_grad():
        batched = converted(**batch).logits.squeeze(-1)
        single = torch.cat(
            [converted(**tokenizer(t, return_tensors="pt")).logits[:, 0] for t in texts]
        )
    torch.testing.assert_close(batched, single, rtol=1e-5, atol=1e-5)


def test_not_a_reward_model_rejected(tmp_path):
    recovered = tmp_path / "other"
    recovered.mkdir()
    torch.save({"x": torch.zeros(1)}, recovered / "pytorch_model.bin")
    with pytest.raises(ValueError, match="reward_head.weight"):
        convert_alpacafarm.convert(
            recovered, save_tiny_policy(tmp_path / "l"), tmp_path / "o"
        )


def test_missing_weights_rejected(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="recover_model_weights"):
        convert_alpacafarm.convert(tmp_path / "empty", tmp_path, tmp_path / "o")
