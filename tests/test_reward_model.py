"""Tests for the LoRA reward model on tiny BERT and GPT-NeoX backbones."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tokenizers import Regex, Tokenizer, models, pre_tokenizers, processors
from transformers import (
    BertConfig,
    BertModel,
    GPTNeoXConfig,
    GPTNeoXModel,
    PreTrainedTokenizerFast,
)

from bayesrm_utils.reward_model import (
    build_reward_model,
    load_reward_model,
    preference_metrics,
    save_reward_model,
    score_rewards,
    tokenize,
    tokenize_pairs,
    train_reward_model,
)

torch.set_num_threads(2)

GOOD_WORDS = ["good", "great", "fine", "nice", "clear"]
BAD_WORDS = ["bad", "awful", "poor", "wrong", "vague"]
FILLER_WORDS = ["the", "a", "answer", "is", "question", "what", "why", "how"]
SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "<|endoftext|>"]
MARKERS = ["<|prompter|>", "<|assistant|>"]
VOCAB = SPECIAL_TOKENS + MARKERS + GOOD_WORDS + BAD_WORDS + FILLER_WORDS


def make_tokenizer(kind: str) -> PreTrainedTokenizerFast:
    """Build a word-level tokenizer over ``VOCAB``, with [CLS]/[SEP] for BERT."""
    vocab = {word: index for index, word in enumerate(VOCAB)}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    backend.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(r"<\|[a-z]+\|>"), behavior="isolated"),
            pre_tokenizers.WhitespaceSplit(),
        ]
    )

    if kind == "bert":
        backend.post_processor = processors.TemplateProcessing(
            single="[CLS] $A [SEP]",
            special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
        )
        return PreTrainedTokenizerFast(
            tokenizer_object=backend,
            pad_token="[PAD]",
            unk_token="[UNK]",
            cls_token="[CLS]",
            sep_token="[SEP]",
        )

    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        unk_token="[UNK]",
        eos_token="<|endoftext|>",
    )


def make_backbone_dir(directory, kind: str, seed: int = 0) -> str:
    """Save a 2-layer, hidden-32 backbone and its tokenizer to ``directory``."""
    torch.manual_seed(seed)

    if kind == "bert":
        config = BertConfig(
            vocab_size=len(VOCAB),
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
        )
        backbone = BertModel(config)
    else:
        config = GPTNeoXConfig(
            vocab_size=len(VOCAB),
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=64,
            max_position_embeddings=64,
        )
        backbone = GPTNeoXModel(config)

    backbone.save_pretrained(directory)
    make_tokenizer(kind).save_pretrained(directory)
    return str(directory)


def format_prompt(question: str) -> str:
    return "<|prompter|>" + question + "<|endoftext|><|assistant|>"


def format_response(response: str) -> str:
    return response + "<|endoftext|>"


def make_pairs(n_pairs: int, seed: int) -> list[dict[str, str]]:
    """Make toy preference pairs whose chosen response contains a 'good' word."""
    rng = np.random.default_rng(seed)
    pairs = []

    for _ in range(n_pairs):
        question = " ".join(rng.choice(FILLER_WORDS, size=3))
        filler = " ".join(rng.choice(FILLER_WORDS, size=rng.integers(1, 4)))
        pairs.append(
            {
                "prompt": format_prompt(question),
                "chosen": format_response(f"{filler} {rng.choice(GOOD_WORDS)}"),
                "rejected": format_response(f"{filler} {rng.choice(BAD_WORDS)}"),
            }
        )

    return pairs


def trainable(model) -> dict[str, torch.Tensor]:
    return {
        name: p.detach().clone() for name, p in model.trainable_state_dict().items()
    }


def frozen(model) -> dict[str, torch.Tensor]:
    return {
        name: p.detach().clone()
        for name, p in model.named_parameters()
        if not p.requires_grad
    }


@pytest.fixture(params=["bert", "gpt_neox"])
def backbone_dir(request, tmp_path):
    return make_backbone_dir(tmp_path / request.param, request.param)


def test_trainable_weights_are_lora_and_head(backbone_dir):
    model, _ = build_reward_model(backbone_dir, lora_r=4)
    names = list(trainable(model))

    assert names[-1] == "head.weight"
    assert all("lora_A" in n or "lora_B" in n for n in names[:-1])
    assert len(names) == 1 + 2 * 2 * len(model.config.target_modules)


def test_training_reduces_bt_loss(backbone_dir):
    model, tokenizer = build_reward_model(backbone_dir, lora_r=4, seed=0)
    train_pairs = make_pairs(48, seed=0)
    eval_pairs = make_pairs(24, seed=1)
    before_trainable = trainable(model)
    before_frozen = frozen(model)
    before = train_reward_model(
        model, tokenizer, train_pairs[:1], eval_pairs=eval_pairs, lr=0.0
    )[-1]

    history = train_reward_model(
        model,
        tokenizer,
        train_pairs,
        eval_pairs=eval_pairs,
        epochs=4,
        lr=3e-2,
        batch_size=8,
        max_length=32,
        eval_every=6,
    )

    assert len(history) == 4
    assert [record["step"] for record in history] == [6, 12, 18, 24]
    assert history[-1]["eval_loss"] < 0.5 * before["eval_loss"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert history[-1]["accuracy"] > 0.9
    assert history[-1]["margin"] > before["margin"]
    assert history[-1]["learning_rate"] == pytest.approx(3e-2 / 24)

    after_trainable = trainable(model)
    for name, value in before_trainable.items():
        assert not torch.equal(value, after_trainable[name]), name

    after_frozen = frozen(model)
    for name, value in before_frozen.items():
        assert torch.equal(value, after_frozen[name]), name


def test_preference_metrics_hand_checked():
    chosen = np.array([2.0, 0.0, 1.0, -1.0])
    rejected = np.array([1.0, 0.5, 1.0, -3.0])

    metrics = preference_metrics(chosen, rejected)

    # Margins are 1, -0.5, 0, 2: two strictly positive out of four.
    assert metrics["accuracy"] == pytest.approx(0.5)
    assert metrics["margin"] == pytest.approx(0.625)
    assert metrics["mean_reward"] == pytest.approx(0.1875)
    assert metrics["std_reward"] == pytest.approx(np.std([2, 0, 1, -1, 1, 0.5, 1, -3]))
    assert metrics["mean_chosen_reward"] == pytest.approx(0.5)
    assert metrics["mean_rejected_reward"] == pytest.approx(-0.125)
    expected_loss = np.mean(np.log1p(np.exp(-np.array([1.0, -0.5, 0.0, 2.0]))))
    assert metrics["loss"] == pytest.approx(expected_loss)


def test_save_load_round_trip(backbone_dir, tmp_path):
    model, tokenizer = build_reward_model(backbone_dir, lora_r=4, seed=3)
    pairs = make_pairs(16, seed=0)
    train_reward_model(model, tokenizer, pairs, lr=1e-2, max_length=32)
    prompts = [p["prompt"] for p in pairs]
    responses = [p["chosen"] for p in pairs]
    expected = score_rewards(model, tokenizer, prompts, responses, batch_size=5)

    save_reward_model(model, tokenizer, tmp_path / "saved")
    loaded, loaded_tokenizer = load_reward_model(tmp_path / "saved")
    actual = score_rewards(loaded, loaded_tokenizer, prompts, responses, batch_size=5)

    assert sorted(p.name for p in (tmp_path / "saved").iterdir()) == [
        "reward_model.json",
        "reward_model.safetensors",
        "tokenizer",
    ]
    assert not list((tmp_path / "saved").rglob("*.bin"))
    assert loaded_tokenizer.pad_token == tokenizer.pad_token
    np.testing.assert_array_equal(actual, expected)


def test_paired_input_equals_two_calls(backbone_dir):
    model, tokenizer = build_reward_model(backbone_dir, lora_r=4, seed=1)
    with torch.no_grad():
        model.head.weight.normal_()
    pairs = make_pairs(5, seed=2)
    batch = tokenize_pairs(tokenizer, pairs, max_length=32)

    with torch.no_grad():
        paired = model(batch["input_ids"], batch["attention_mask"])
        chosen = model(batch["input_ids"][:, 0], batch["attention_mask"][:, 0])
        rejected = model(batch["input_ids"][:, 1], batch["attention_mask"][:, 1])
        as_mapping = model(batch)

    assert paired.shape == (5, 2)
    torch.testing.assert_close(paired[:, 0], chosen)
    torch.testing.assert_close(paired[:, 1], rejected)
    torch.testing.assert_close(as_mapping, paired)


def test_padding_does_not_change_rewards(backbone_dir):
    model, tokenizer = build_reward_model(backbone_dir, lora_r=4, seed=1)
    pairs = make_pairs(6, seed=4)
    prompts = [p["prompt"] for p in pairs]
    responses = [p["chosen"] + " the answer is" * i for i, p in enumerate(pairs)]

    batched = score_rewards(model, tokenizer, prompts, responses, batch_size=6)
    single = score_rewards(model, tokenizer, prompts, responses, batch_size=1)

    np.testing.assert_allclose(batched, single, rtol=1e-5, atol=1e-6)


def test_padded_row_equals_unpadded_row(backbone_dir):
    model, _ = build_reward_model(backbone_dir, lora_r=4, seed=1)
    ids = torch.tensor([[7, 8, 9, 10], [7, 8, 0, 0]])
    mask = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0]])

    with torch.no_grad():
        padded = model(ids, mask)
        short_alone = model(ids[1:, :2], mask[1:, :2])

    torch.testing.assert_close(padded[1:], short_alone)


def test_tokenize_truncates_prompt_from_left():
    tokenizer = make_tokenizer("bert")
    prompt = format_prompt("what why how the question")
    response = format_response("a good answer")

    batch = tokenize(tokenizer, [prompt], [response], max_length=8)
    tokens = tokenizer.convert_ids_to_tokens(batch["input_ids"][0].tolist())

    # 8 prompt and 4 response tokens, 6 of which fit beside [CLS] and [SEP].
    assert tokens == [
        "[CLS]",
        "<|endoftext|>",
        "<|assistant|>",
        "a",
        "good",
        "answer",
        "<|endoftext|>",
        "[SEP]",
    ]
    assert tokenizer.truncation_side == "right"


def test_seed_changes_lora_init_and_head(backbone_dir):
    first, _ = build_reward_model(backbone_dir, lora_r=4, seed=0)
    same, _ = build_reward_model(backbone_dir, lora_r=4, seed=0)
    other, _ = build_reward_model(backbone_dir, lora_r=4, seed=1)
    first_weights, same_weights, other_weights = (
        trainable(first),
        trainable(same),
        trainable(other),
    )

    for name, value in first_weights.items():
        assert torch.equal(value, same_weights[name]), name
        if "lora_B" in name:
            # LoRA B starts at zero, so the initial adapter update is zero.
            assert torch.count_nonzero(value) == 0
        else:
            assert not torch.equal(value, other_weights[name]), name


def test_seed_changes_data_order(backbone_dir):
    pairs = make_pairs(16, seed=0)
    results = []

    for data_seed in (0, 0, 1):
        model, tokenizer = build_reward_model(backbone_dir, lora_r=4, seed=0)
        train_reward_model(
            model,
            tokenizer,
            pairs,
            lr=1e-2,
            batch_size=4,
            max_length=32,
            seed=data_seed,
            scheduler="constant",
        )
        results.append(trainable(model)["head.weight"])

    assert torch.equal(results[0], results[1])
    assert not torch.allclose(results[0], results[2])


def test_bf16_autocast_keeps_fp32_weights(backbone_dir):
    model, tokenizer = build_reward_model(backbone_dir, lora_r=4)
    before = trainable(model)

    # Two steps: LoRA A gets no gradient while LoRA B is still zero.
    history = train_reward_model(
        model,
        tokenizer,
        make_pairs(8, seed=0),
        epochs=2,
        lr=1e-2,
        dtype=torch.bfloat16,
    )

    assert np.isfinite(history[-1]["train_loss"])
    for name, value in trainable(model).items():
        assert value.dtype == torch.float32, name
        assert not torch.equal(value, before[name]), name


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("scheduler", "warmup", "scheduler"),
        ("dtype", torch.float16, "dtype"),
        ("batch_size", 0, "batch_size"),
    ],
)
def test_invalid_training_options_raise(backbone_dir, option, value, message):
    model, tokenizer = build_reward_model(backbone_dir, lora_r=4)

    with pytest.raises(ValueError, match=message):
        train_reward_model(model, tokenizer, make_pairs(2, seed=0), **{option: value})


def test_diverged_training_raises(backbone_dir):
    model, tokenizer = build_reward_model(backbone_dir, lora_r=4, seed=0)

    with pytest.raises(FloatingPointError, match=r"diverged at step \d+.*lr=1e\+30"):
        train_reward_model(
            model, tokenizer, make_pairs(8, seed=0), lr=1e30, batch_size=2, epochs=2
        )


def test_invalid_pairs_raise(backbone_dir):
    model, tokenizer = build_reward_model(backbone_dir, lora_r=4)

    with pytest.raises(ValueError, match="empty"):
        train_reward_model(model, tokenizer, [])
    with pytest.raises(ValueError, match="rejected"):
        train_reward_model(model, tokenizer, [{"prompt": "a", "chosen": "b"}])


def test_invalid_pooling_raises(backbone_dir):
    with pytest.raises(ValueError, match="pooling"):
        build_reward_model(backbone_dir, pooling="cls")
