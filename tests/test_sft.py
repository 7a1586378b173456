import math

import pytest
import torch
from tiny import SAMPLING_WORDS, word_level_tokenizer
from tokenizers import Tokenizer, models, pre_tokenizers, trainers
from transformers import (
    AutoModelForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

from bayesrm_utils.sft import (
    collate,
    encode_prompt,
    encode_response,
    response_token_loss,
    save_policy,
    tokenize_example,
    train_sft,
)


def make_tokenizer() -> PreTrainedTokenizerFast:
    return word_level_tokenizer(SAMPLING_WORDS)


def make_model(vocab_size: int, seed: int = 0) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=128,
    )
    return LlamaForCausalLM(config).eval()


def example(prompt: str, response: str) -> dict:
    return {
        "prompt": f"<|prompter|>{prompt}<|endoftext|><|assistant|>",
        "response": f"{response}<|endoftext|>",
    }


EXAMPLES = [
    example("name a colour .", "blue ."),
    example("what is the sky ?", "the sky is blue ."),
    example("count to three .", "one two three ."),
    example("say hello world .", "hello world !"),
]


@pytest.fixture
def tokenizer():
    return make_tokenizer()


def test_labels_mask_exactly_prompt_tokens(tokenizer):
    ids = tokenizer.convert_tokens_to_ids
    input_ids, labels = tokenize_example(
        tokenizer, EXAMPLES[0]["prompt"], EXAMPLES[0]["response"]
    )

    prompt = ids(["<|prompter|>", "name", "a", "colour", ".", "<|endoftext|>"])
    prompt += ids(["<|assistant|>"])
    response = ids(["blue", ".", "<|endoftext|>"])
    assert input_ids == prompt + response
    assert labels == [-100] * 7 + response


def test_collate_pads_right_with_ignored_labels(tokenizer):
    encoded = [
        tokenize_example(tokenizer, ex["prompt"], ex["response"]) for ex in EXAMPLES[:2]
    ]
    batch = collate(encoded, tokenizer.pad_token_id)

    short = len(encoded[0][0])
    assert batch["input_ids"].shape == (2, len(encoded[1][0]))
    assert batch["attention_mask"][0, :short].eq(1).all()
    assert batch["attention_mask"][0, short:].eq(0).all()
    assert batch["input_ids"][0, short:].eq(tokenizer.pad_token_id).all()
    assert batch["labels"][0, short:].eq(-100).all()
    assert batch["labels"][1].tolist() == encoded[1][1]


def test_truncation_cuts_response_end(tokenizer):
    input_ids, labels = tokenize_example(
        tokenizer, EXAMPLES[1]["prompt"], EXAMPLES[1]["response"], max_length=9
    )

    assert len(input_ids) == 9
    assert len(labels) == 9
    assert labels[:8] == [-100] * 8
    assert labels[8] == tokenizer.convert_tokens_to_ids("the")


def test_prompt_without_room_raises(tokenizer):
    with pytest.raises(ValueError, match="max_length=5"):
        tokenize_example(tokenizer, EXAMPLES[0]["prompt"], "blue", max_length=5)


def test_prompt_and_response_encoded_separately():
    # A byte-level BPE trained so that "|>(" is one token: encoding the joined
    # string merges across the prompt/response boundary, the separate encoding
    # that training and sampling share does not.
    backend = Tokenizer(models.BPE())
    backend.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    trainer = trainers.BpeTrainer(
        vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    backend.train_from_iterator(["ask|>(one) two|>(three)"] * 50, trainer=trainer)
    bpe = PreTrainedTokenizerFast(tokenizer_object=backend)
    prompt, response = "ask|>", "(one)"

    joint = bpe(prompt + response, add_special_tokens=False)["input_ids"]
    separate = encode_prompt(bpe, prompt) + encode_response(bpe, response)
    input_ids, labels = tokenize_example(bpe, prompt, response)

    assert joint != separate
    assert input_ids == separate
    n_prompt = len(encode_prompt(bpe, prompt))
    assert labels[:n_prompt] == [-100] * n_prompt
    assert labels[n_prompt:] == encode_response(bpe, response)


def test_loss_matches_hand_computation(tokenizer):
    model = make_model(len(tokenizer))
    encoded = [
        tokenize_example(tokenizer, ex["prompt"], ex["response"]) for ex in EXAMPLES[:2]
    ]
    batch = collate(encoded, tokenizer.pad_token_id)
    with torch.no_grad():
        logits = model(
            input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]
        ).logits

    terms = []
    for row, (ids, labels) in enumerate(encoded):
        log_probs = torch.log_softmax(logits[row].double(), dim=-1)
        for t in range(1, len(ids)):
            if labels[t] != -100:
                terms.append(-log_probs[t - 1, labels[t]])
    expected = torch.stack(terms).mean()

    loss = response_token_loss(logits, batch["labels"])
    assert len(terms) == 3 + 6
    torch.testing.assert_close(loss.double(), expected, rtol=1e-6, atol=1e-6)

    log = train_sft(model, tokenizer, EXAMPLES[:2], epochs=1, batch_size=2, lr=1e-3)
    assert log[0]["loss"] == pytest.approx(expected.item(), rel=1e-5)
    assert log[0]["n_tokens"] == 9


def test_diverging_sft_raises(tokenizer):
    model = make_model(len(tokenizer))
    with pytest.raises(FloatingPointError, match="SFT diverged at step 2"):
        train_sft(model, tokenizer, EXAMPLES, epochs=1, batch_size=2, lr=1e308)


def test_loss_decreases(tokenizer):
    model = make_model(len(tokenizer))

    log = train_sft(
        model,
        tokenizer,
        EXAMPLES,
        epochs=20,
        batch_size=2,
        lr=1e-2,
        scheduler="constant",
    )

    first_epoch = sum(entry["loss"] for entry in log[:2]) / 2
    last_epoch = sum(entry["loss"] for entry in log[-2:]) / 2
    assert len(log) == 40
    assert last_epoch < 0.3 * first_epoch


def test_all_weights_trainable_and_changed(tokenizer):
    model = make_model(len(tokenizer))
    model.model.embed_tokens.weight.requires_grad_(False)
    before = {name: p.detach().clone() for name, p in model.named_parameters()}

    train_sft(model, tokenizer, EXAMPLES, epochs=1, batch_size=2, lr=1e-3)

    for name, parameter in model.named_parameters():
        assert parameter.requires_grad, name
        assert not torch.equal(parameter, before[name]), name


def test_training_is_deterministic_for_seed(tokenizer):
    runs = []
    for seed in (0, 0, 1):
        model = make_model(len(tokenizer))
        log = train_sft(model, tokenizer, EXAMPLES, epochs=2, batch_size=2, seed=seed)
        runs.append((log, model.lm_head.weight.detach().clone()))

    assert runs[0][0] == runs[1][0]
    assert torch.equal(runs[0][1], runs[1][1])
    assert [e["loss"] for e in runs[0][0]] != [e["loss"] for e in runs[2][0]]


def test_cosine_schedule_and_log_fields(tokenizer):
    model = make_model(len(tokenizer))

    log = train_sft(model, tokenizer, EXAMPLES, epochs=2, batch_size=2, lr=1e-3)

    total = 4
    assert [entry["step"] for entry in log] == [1, 2, 3, 4]
    assert [entry["epoch"] for entry in log] == [0.5, 1.0, 1.5, 2.0]
    for entry in log:
        expected = 1e-3 * 0.5 * (1 + math.cos(math.pi * (entry["step"] - 1) / total))
        assert entry["lr"] == pytest.approx(expected)


def test_log_every_keeps_last_step(tokenizer):
    model = make_model(len(tokenizer))

    log = train_sft(model, tokenizer, EXAMPLES, epochs=5, batch_size=4, log_every=2)

    assert [entry["step"] for entry in log] == [2, 4, 5]


def test_invalid_options_raise_before_training(tokenizer):
    model = make_model(len(tokenizer))

    with pytest.raises(ValueError, match="'cosine', 'linear', 'constant'"):
        train_sft(model, tokenizer, EXAMPLES, scheduler="step")
    with pytest.raises(ValueError, match="response"):
        train_sft(model, tokenizer, [{"prompt": "a"}])
    with pytest.raises(ValueError, match="empty"):
        train_sft(model, tokenizer, [])
    with pytest.raises(ValueError, match="dtype"):
        train_sft(model, tokenizer, EXAMPLES, dtype=torch.float16)


def test_bf16_autocast_keeps_fp32_weights(tokenizer):
    model = make_model(len(tokenizer))
    reference = make_model(len(tokenizer))

    log = train_sft(model, tokenizer, EXAMPLES, epochs=1, dtype=torch.bfloat16)
    reference_log = train_sft(reference, tokenizer, EXAMPLES, epochs=1)

    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert log[0]["loss"] == pytest.approx(reference_log[0]["loss"], abs=0.05)


def test_save_policy_round_trip_and_replace(tokenizer, tmp_path):
    model = make_model(len(tokenizer))
    path = tmp_path / "policy"
    save_policy(make_model(len(tokenizer), seed=1), tokenizer, path)

    save_policy(model, tokenizer, path)

    loaded = AutoModelForCausalLM.from_pretrained(path)
    ids = torch.tensor([tokenize_example(tokenizer, **EXAMPLES[0])[0]])
    with torch.no_grad():
        torch.testing.assert_close(loaded(ids).logits, model(ids).logits)
    assert (path / "model.safetensors").exists()
    assert not list(path.glob("*.bin"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["policy"]
    reloaded = PreTrainedTokenizerFast.from_pretrained(path)
    assert reloaded(EXAMPLES[0]["prompt"])["input_ids"] == encode_prompt(
        tokenizer, EXAMPLES[0]["prompt"]
    )
