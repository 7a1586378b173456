"""Tests for bayesrm_utils.loading on tiny checkpoints built and saved locally."""

import json

import pytest
import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from transformers import (
    AutoModelForCausalLM,
    BertConfig,
    BertModel,
    GPTNeoXConfig,
    GPTNeoXForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

from bayesrm_utils import loading
from bayesrm_utils.loading import (
    EMBEDDED_MODELS,
    load_backbone,
    load_causal_lm,
    load_sequence_classifier,
    resolve_source,
)

WORDS = [
    "the",
    "a",
    "cat",
    "dog",
    "sat",
    "on",
    "mat",
    "ran",
    "fast",
    "slow",
    "is",
    "good",
    "bad",
    "yes",
    "no",
]
SPECIALS = ["<pad>", "<unk>", "<s>", "</s>"]
VOCAB_SIZE = 64


def _tiny_tokenizer() -> PreTrainedTokenizerFast:
    vocab = {token: i for i, token in enumerate(SPECIALS + WORDS)}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = Whitespace()
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        unk_token="<unk>",
        bos_token="<s>",
        eos_token="</s>",
    )


def _tiny_model(kind: str):
    torch.manual_seed(0)
    if kind == "llama":
        config = LlamaConfig(
            vocab_size=VOCAB_SIZE,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            pad_token_id=0,
        )
        return LlamaForCausalLM(config)
    if kind == "gpt_neox":
        config = GPTNeoXConfig(
            vocab_size=VOCAB_SIZE,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
            pad_token_id=0,
        )
        return GPTNeoXForCausalLM(config)
    if kind == "bert":
        config = BertConfig(
            vocab_size=VOCAB_SIZE,
            hidden_size=32,
            intermediate_size=64,
            num_hidden_layers=2,
            num_attention_heads=4,
        )
        return BertModel(config)
    raise ValueError(kind)


def _save_checkpoint(directory, kind: str, pickled: bool = False):
    model = _tiny_model(kind).eval()
    if pickled:
        # transformers 5 always writes safetensors, so write the legacy format here.
        model.config.save_pretrained(directory)
        torch.save(model.state_dict(), directory / "pytorch_model.bin")
    else:
        model.save_pretrained(directory)
    _tiny_tokenizer().save_pretrained(directory)
    return model


def _batch():
    tokenizer = _tiny_tokenizer()
    return tokenizer(
        ["the cat sat on the mat", "a dog ran"], return_tensors="pt", padding=True
    )


@pytest.mark.parametrize("kind", ["llama", "gpt_neox"])
def test_causal_lm_local_path_same_logits(tmp_path, kind):
    saved = _save_checkpoint(tmp_path, kind)

    model, tokenizer = load_causal_lm(tmp_path)

    assert type(model) is type(saved)
    assert not model.training
    assert tokenizer.pad_token == "<pad>"
    batch = _batch()
    with torch.no_grad():
        expected = saved(**batch).logits
        actual = model(**batch).logits
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)


def test_backbone_bert_same_hidden_states(tmp_path):
    saved = _save_checkpoint(tmp_path, "bert")

    model, _ = load_backbone(tmp_path)

    batch = _batch()
    with torch.no_grad():
        expected = saved(**batch).last_hidden_state
        actual = model(**batch).last_hidden_state
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)


def test_backbone_from_causal_lm_drops_head(tmp_path):
    saved = _save_checkpoint(tmp_path, "llama")

    model, _ = load_backbone(tmp_path)

    assert type(model).__name__ == "LlamaModel"
    batch = _batch()
    with torch.no_grad():
        expected = saved.model(**batch).last_hidden_state
        actual = model(**batch).last_hidden_state
    torch.testing.assert_close(actual, expected, rtol=0, atol=0)


def test_sequence_classifier_single_logit(tmp_path):
    _save_checkpoint(tmp_path, "llama")

    model, tokenizer = load_sequence_classifier(tmp_path)

    assert model.config.num_labels == 1
    assert model.config.pad_token_id == tokenizer.pad_token_id
    with torch.no_grad():
        logits = model(**_batch()).logits
    assert logits.shape == (2, 1)


def test_dtype_bfloat16(tmp_path):
    _save_checkpoint(tmp_path, "llama")

    model, _ = load_causal_lm(tmp_path, dtype=torch.bfloat16)

    assert all(p.dtype == torch.bfloat16 for p in model.parameters())


def test_pickle_only_directory_rejected(tmp_path):
    _save_checkpoint(tmp_path, "llama", pickled=True)
    assert (tmp_path / "pytorch_model.bin").exists()

    with pytest.raises(ValueError, match="allow_pickle=True"):
        load_causal_lm(tmp_path)


def test_pickle_only_directory_allowed_with_flag(tmp_path):
    saved = _save_checkpoint(tmp_path, "llama", pickled=True)

    model, _ = load_causal_lm(tmp_path, allow_pickle=True)

    batch = _batch()
    with torch.no_grad():
        torch.testing.assert_close(model(**batch).logits, saved(**batch).logits)


def test_missing_path_raises_file_not_found(tmp_path):
    missing = tmp_path / "no" / "such" / "checkpoint"

    with pytest.raises(FileNotFoundError, match=str(missing)):
        load_causal_lm(missing)


def test_file_instead_of_directory_rejected(tmp_path):
    path = tmp_path / "model.safetensors"
    path.write_bytes(b"")

    with pytest.raises(ValueError, match="checkpoint directory"):
        load_causal_lm(path)


def test_unknown_embedded_name_lists_valid(tmp_path):
    with pytest.raises(ValueError, match="embedded:smollm2-135m-instruct"):
        resolve_source("embedded:nope", cache_dir=tmp_path)


def test_hub_id_resolves_as_hub():
    resolved = resolve_source("EleutherAI/pythia-70m")

    assert resolved.is_hub
    assert resolved.use_safetensors is True


def test_hub_failure_message_says_unreachable(monkeypatch):
    # No network traffic: the Hub download is replaced by the error that
    # transformers raises offline.
    def offline(*args, **kwargs):
        raise OSError("We couldn't connect to 'https://huggingface.co'")

    monkeypatch.setattr(loading.AutoTokenizer, "from_pretrained", offline)

    with pytest.raises(OSError, match="hub is unreachable") as info:
        load_causal_lm("someone/some-model")
    assert "local checkpoint directory" in str(info.value)


def test_remote_code_never_executed(tmp_path, monkeypatch):
    _save_checkpoint(tmp_path, "llama")
    sentinel = tmp_path / "remote_code_ran"
    (tmp_path / "modeling_evil.py").write_text(
        f"open({str(sentinel)!r}, 'w').close()\n"
        "from transformers import LlamaForCausalLM\n"
        "class EvilForCausalLM(LlamaForCausalLM):\n"
        "    pass\n"
    )
    config = json.loads((tmp_path / "config.json").read_text())
    config["auto_map"] = {"AutoModelForCausalLM": "modeling_evil.EvilForCausalLM"}
    (tmp_path / "config.json").write_text(json.dumps(config))

    seen_flags = []
    original = AutoModelForCausalLM.from_pretrained.__func__

    def spy(cls, *args, **kwargs):
        seen_flags.append(kwargs.get("trust_remote_code"))
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(
        loading.AutoModelForCausalLM, "from_pretrained", classmethod(spy)
    )

    model, _ = load_causal_lm(tmp_path)

    assert seen_flags == [False]
    assert type(model).__name__ == "LlamaForCausalLM"
    assert not sentinel.exists()


def test_cache_dir_from_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("BAYESRM_CACHE", str(tmp_path))

    assert loading.cache_root() == tmp_path
    assert loading.cache_root(tmp_path / "explicit") == tmp_path / "explicit"


def test_embedded_names():
    assert set(EMBEDDED_MODELS) == {
        "embedded:smollm2-135m-instruct",
        "embedded:gemma3-270m",
        "embedded:all-minilm-l6-v2",
    }


@pytest.mark.slow
def test_embedded_smollm2_rebuilt_matches_gguf():
    entry = EMBEDDED_MODELS["embedded:smollm2-135m-instruct"]
    gguf_path = loading._find_gguf(entry, loading.cache_root())

    model, tokenizer = load_causal_lm("embedded:smollm2-135m-instruct")
    reference = AutoModelForCausalLM.from_pretrained(
        str(gguf_path.parent), gguf_file=gguf_path.name, dtype=torch.float32
    ).eval()

    assert type(model).__name__ == "LlamaForCausalLM"
    assert getattr(model, "hf_quantizer", None) is None
    batch = tokenizer(["Name three primary colours."], return_tensors="pt")
    with torch.no_grad():
        expected = reference(**batch).logits
        actual = model(**batch).logits
    torch.testing.assert_close(actual, expected, rtol=0, atol=1e-4)


@pytest.mark.slow
def test_embedded_minilm_is_bert():
    model, tokenizer = load_backbone("embedded:all-minilm-l6-v2")

    assert type(model).__name__ == "BertModel"
    assert model.config.hidden_size == 384
    assert tokenizer.pad_token == "[PAD]"


def test_directory_without_config_rejected(tmp_path):
    with pytest.raises(FileNotFoundError, match="has no config.json"):
        load_causal_lm(tmp_path)


def test_directory_without_weights_rejected(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="no weights"):
        load_causal_lm(tmp_path)


def test_check_source_reads_no_weights(tmp_path, monkeypatch):
    _save_checkpoint(tmp_path, "llama")

    def fail(*args, **kwargs):
        raise AssertionError("check_source loaded a model")

    monkeypatch.setattr(loading.AutoModelForCausalLM, "from_pretrained", fail)
    loading.check_source(tmp_path)
    loading.check_source("embedded:all-minilm-l6-v2")
    with pytest.raises(ValueError, match="invalid embedded model name"):
        loading.check_source("embedded:nope")
    with pytest.raises(FileNotFoundError, match="not an existing directory"):
        loading.check_source(str(tmp_path / "missing"))
