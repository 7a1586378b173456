import copy
import itertools
from unittest import mock

import numpy as np
import pytest
import torch
from scipy import stats
from tiny import SAMPLING_WORDS, word_level_tokenizer
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    GPTNeoXConfig,
    GPTNeoXForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    PreTrainedTokenizerFast,
)

from bayesrm_utils.sampling import (
    SampledResponse,
    draw_tokens,
    reference_sample,
    resolve_stop_token_ids,
    sample_generator,
    sample_prompt_batch,
    sample_responses,
    token_probabilities,
)
from bayesrm_utils.sft import encode_prompt

PROMPT = "<|prompter|>name a colour .<|endoftext|><|assistant|>"


def make_tokenizer() -> PreTrainedTokenizerFast:
    return word_level_tokenizer(SAMPLING_WORDS)


def make_llama(vocab_size: int) -> LlamaForCausalLM:
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        initializer_range=0.2,
    )
    return LlamaForCausalLM(config).eval()


def make_gpt_neox(vocab_size: int) -> GPTNeoXForCausalLM:
    torch.manual_seed(0)
    config = GPTNeoXConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=256,
        initializer_range=0.2,
    )
    return GPTNeoXForCausalLM(config).eval()


@pytest.fixture(scope="module")
def tokenizer():
    return make_tokenizer()


@pytest.fixture(scope="module")
def model(tokenizer):
    return make_llama(len(tokenizer))


# Plain sampling, and a lower temperature with a nucleus.
SAMPLING_SETTINGS = [
    {"temperature": 1.0, "top_p": 1.0},
    {"temperature": 0.7, "top_p": 0.8},
]


def uncached_sample(model, tokenizer, prompt, index, *, seed, max_new_tokens, **kw):
    """Sample one response by re-running the whole sequence at every step."""
    stop_ids = resolve_stop_token_ids(tokenizer)
    generator = sample_generator(seed, index)
    ids = encode_prompt(tokenizer, prompt)
    response = []

    for _ in range(max_new_tokens):
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([ids + response])).logits[:, -1]
        probs = token_probabilities(logits, **kw)
        token = int(draw_tokens(probs, [generator])[0])
        if token in stop_ids:
            return response, True
        response.append(token)
    return response, False


@pytest.mark.parametrize("make_model", [make_llama, make_gpt_neox])
@pytest.mark.parametrize("settings", SAMPLING_SETTINGS)
def test_fast_path_matches_uncached_loop(tokenizer, make_model, settings):
    model = make_model(len(tokenizer))

    samples = sample_responses(
        model,
        tokenizer,
        PROMPT,
        6,
        seed=3,
        max_new_tokens=16,
        batch_size=5,
        return_metadata=True,
        **settings,
    )

    for index, sample in enumerate(samples):
        expected = uncached_sample(
            model, tokenizer, PROMPT, index, seed=3, max_new_tokens=16, **settings
        )
        assert (sample.token_ids, sample.finished) == expected, index


PROMPTS = [
    PROMPT,
    "<|prompter|>name a colour , name a colour .<|endoftext|><|assistant|>",
    "<|prompter|>colour .<|endoftext|><|assistant|>",
]


@pytest.mark.parametrize("make_model", [make_llama, make_gpt_neox])
@pytest.mark.parametrize("settings", SAMPLING_SETTINGS)
def test_prompt_batch_matches_one_prompt_calls(tokenizer, make_model, settings):
    """Left padding and the attention mask leave each prompt's samples unchanged."""
    model = make_model(len(tokenizer))
    lengths = {len(encode_prompt(tokenizer, prompt)) for prompt in PROMPTS}
    assert len(lengths) == 3

    batch = sample_prompt_batch(
        model,
        tokenizer,
        PROMPTS,
        4,
        seeds=[3, 8, 5],
        max_new_tokens=16,
        return_metadata=True,
        **settings,
    )

    assert len(batch) == 3
    for prompt, seed, samples in zip(PROMPTS, [3, 8, 5], batch):
        expected = sample_responses(
            model,
            tokenizer,
            prompt,
            4,
            seed=seed,
            max_new_tokens=16,
            return_metadata=True,
            **settings,
        )
        assert samples == expected, prompt


def test_prompt_batch_mixes_finished_and_unfinished(model, tokenizer):
    batch = sample_prompt_batch(
        model,
        tokenizer,
        PROMPTS,
        6,
        seeds=[0, 1, 2],
        max_new_tokens=16,
        return_metadata=True,
    )

    samples = [sample for prompt_samples in batch for sample in prompt_samples]
    assert any(sample.finished for sample in samples)
    assert any(not sample.finished for sample in samples)


def test_prompt_batch_needs_one_seed_per_prompt(model, tokenizer):
    with pytest.raises(ValueError, match="got 2 seeds for 3 prompts"):
        sample_prompt_batch(model, tokenizer, PROMPTS, 2, seeds=[0, 1])

    with pytest.raises(ValueError, match="seed must be a non-negative"):
        sample_prompt_batch(model, tokenizer, PROMPTS, 2, seeds=[0, -1, 2])

    assert sample_prompt_batch(model, tokenizer, [], 2, seeds=[]) == []


def test_samples_independent_of_batch_size(model, tokenizer):
    runs = [
        sample_responses(
            model, tokenizer, PROMPT, 12, seed=5, batch_size=size, max_new_tokens=16
        )
        for size in (1, 5, 12, 64)
    ]

    for run in runs[1:]:
        assert run == runs[0]


def test_start_index_resumes_same_samples(model, tokenizer):
    full = sample_responses(
        model, tokenizer, PROMPT, 12, seed=5, batch_size=8, max_new_tokens=16
    )

    resumed = sample_responses(
        model,
        tokenizer,
        PROMPT,
        5,
        seed=5,
        batch_size=4,
        start_index=7,
        max_new_tokens=16,
    )

    assert resumed == full[7:]


def test_seeds_give_different_samples(model, tokenizer):
    first = sample_responses(model, tokenizer, PROMPT, 8, seed=0)
    second = sample_responses(model, tokenizer, PROMPT, 8, seed=1)

    assert first != second
    assert len(set(first)) > 1


def test_finished_samples_have_no_trailing_tokens(model, tokenizer):
    stop_ids = resolve_stop_token_ids(tokenizer)

    samples = sample_responses(
        model,
        tokenizer,
        PROMPT,
        40,
        seed=11,
        max_new_tokens=25,
        batch_size=16,
        return_metadata=True,
    )

    finished = [s for s in samples if s.finished]
    unfinished = [s for s in samples if not s.finished]
    assert 5 <= len(finished) <= 35
    assert len(unfinished) >= 5
    for sample in samples:
        assert isinstance(sample, SampledResponse)
        assert not set(sample.token_ids) & set(stop_ids)
        assert sample.text == tokenizer.decode(sample.token_ids)
        assert "<|endoftext|>" not in sample.text
    for sample in finished:
        assert sample.n_tokens < 25
    for sample in unfinished:
        assert sample.n_tokens == 25


def test_finished_samples_leave_batch(model, tokenizer):
    batch_sizes = []
    hook = model.model.embed_tokens.register_forward_hook(
        lambda module, args, output: batch_sizes.append(args[0].shape[0])
    )

    try:
        samples = sample_responses(
            model,
            tokenizer,
            PROMPT,
            16,
            seed=11,
            max_new_tokens=25,
            batch_size=16,
            return_metadata=True,
        )
    finally:
        hook.remove()

    decode_sizes = batch_sizes[1:]
    assert batch_sizes[0] == 1
    assert decode_sizes[0] == 16
    assert all(a >= b for a, b in itertools.pairwise(decode_sizes))
    # A sample is in one decode forward per kept token, and the last token of
    # an unfinished sample needs no forward.
    n_unfinished = sum(not s.finished for s in samples)
    assert decode_sizes[-1] >= n_unfinished
    assert decode_sizes[-1] < 16
    assert sum(decode_sizes) == sum(min(s.n_tokens, 24) for s in samples)


def test_custom_stop_tokens_end_responses(model, tokenizer):
    stop_words = ["blue", "red", "green", "sky", "cat"]
    stop_ids = tokenizer.convert_tokens_to_ids(stop_words)

    samples = sample_responses(
        model,
        tokenizer,
        PROMPT,
        20,
        seed=2,
        stop_token_ids=stop_ids,
        return_metadata=True,
    )

    assert sum(s.finished for s in samples) >= 10
    for sample in samples:
        assert not set(sample.token_ids) & set(stop_ids)


def test_greedy_samples_are_identical(model, tokenizer):
    samples = sample_responses(
        model,
        tokenizer,
        PROMPT,
        4,
        seed=0,
        temperature=0.0,
        max_new_tokens=20,
        return_metadata=True,
    )

    expected = reference_sample(
        model,
        tokenizer,
        PROMPT,
        1,
        seed=9,
        temperature=0.0,
        max_new_tokens=20,
        return_metadata=True,
    )[0]
    for sample in samples:
        assert sample.token_ids == expected.token_ids


def test_reference_sample_matches_distribution(model, tokenizer):
    # Plain generate uses the global RNG, so only the distributions can agree.
    # Compare the histograms of the second response token over 1500 samples each.
    settings = {"temperature": 0.8, "top_p": 0.9, "max_new_tokens": 2}
    fast = sample_responses(
        model,
        tokenizer,
        PROMPT,
        1500,
        seed=1,
        batch_size=1500,
        return_metadata=True,
        **settings,
    )
    plain = reference_sample(
        model,
        tokenizer,
        PROMPT,
        1500,
        seed=1,
        batch_size=1500,
        return_metadata=True,
        **settings,
    )

    def second_tokens(samples):
        return [s.token_ids[1] if s.n_tokens > 1 else -1 for s in samples]

    fast_tokens, plain_tokens = second_tokens(fast), second_tokens(plain)
    categories = sorted(set(fast_tokens) | set(plain_tokens))
    table = np.array(
        [
            [fast_tokens.count(c) for c in categories],
            [plain_tokens.count(c) for c in categories],
        ]
    )
    table = table[:, table.sum(axis=0) >= 10]
    _, p_value, _, _ = stats.chi2_contingency(table)
    assert len(categories) > 5
    assert p_value > 1e-3


def test_token_probabilities_nucleus_by_hand():
    logits = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).log()

    top_80 = token_probabilities(logits, top_p=0.8)
    top_50 = token_probabilities(logits, top_p=0.5)
    all_tokens = token_probabilities(logits)
    greedy = token_probabilities(logits, temperature=0.0)

    torch.testing.assert_close(top_80, torch.tensor([[0.625, 0.375, 0.0, 0.0]]))
    torch.testing.assert_close(top_50, torch.tensor([[1.0, 0.0, 0.0, 0.0]]))
    torch.testing.assert_close(all_tokens, torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    torch.testing.assert_close(greedy, torch.tensor([[1.0, 0.0, 0.0, 0.0]]))


def test_wide_nucleus_matches_full_sort():
    # Flat logits put thousands of tokens in the nucleus, beyond the first
    # candidate set, so the candidate set must widen to match a full sort.
    torch.manual_seed(0)
    logits = torch.randn(3, 5000) * 0.5

    nucleus = token_probabilities(logits, temperature=1.0, top_p=0.9)

    probs = torch.softmax(logits, dim=-1)
    sorted_probs, sorted_ids = probs.sort(dim=-1, descending=True)
    keep = sorted_probs.cumsum(dim=-1) - sorted_probs < 0.9
    expected = torch.zeros_like(probs).scatter_(1, sorted_ids, sorted_probs * keep)
    expected = expected / expected.sum(dim=-1, keepdim=True)
    assert (nucleus > 0).sum(dim=-1).min() > 1000
    torch.testing.assert_close(nucleus, expected)


def test_draw_tokens_follows_probabilities():
    probs = torch.tensor([0.0, 0.5, 0.0, 0.3, 0.2, 0.0])
    n = 20_000
    generators = [sample_generator(0, j) for j in range(n)]

    tokens = draw_tokens(probs.expand(n, -1), generators)

    counts = torch.bincount(tokens, minlength=6).double()
    assert counts[[0, 2, 5]].sum() == 0
    expected = probs.double() * n
    _, p_value = stats.chisquare(counts[[1, 3, 4]], expected[[1, 3, 4]])
    assert p_value > 1e-3


def test_draw_tokens_target_at_total_mass():
    probs = torch.tensor([[0.25, 0.75, 0.0, 0.0]])

    generator = torch.Generator().manual_seed(0)
    one = torch.ones(1, dtype=torch.float64)

    with mock.patch("torch.rand", return_value=one):
        token = draw_tokens(probs, [generator])

    assert token.tolist() == [1]


def test_invalid_arguments_raise(model, tokenizer):
    cases = [
        ({"n": 0}, "n must be a positive integer"),
        ({"n": -3}, "n must be a positive integer"),
        ({"seed": -1}, "seed must be a non-negative"),
        ({"top_p": 0.0}, "top_p"),
        ({"temperature": -0.5}, "temperature"),
        ({"max_new_tokens": 0}, "max_new_tokens"),
        ({"batch_size": 0}, "batch_size"),
        ({"dtype": torch.float16}, "invalid dtype"),
        ({"stop_token_ids": []}, "stop_token_ids is empty"),
    ]

    for overrides, message in cases:
        arguments = {"n": 4, "seed": 0, **overrides}
        with pytest.raises(ValueError, match=message):
            sample_responses(model, tokenizer, PROMPT, **arguments)


def test_multi_token_end_marker_raises(model):
    vocab = {"<unk>": 0, "<": 1, "|": 2, "endoftext": 3, ">": 4, "a": 5}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    plain = PreTrainedTokenizerFast(tokenizer_object=backend, unk_token="<unk>")

    with pytest.raises(ValueError, match="add it as a special token"):
        sample_responses(model, plain, "a", 2, seed=0)


def test_bf16_copy_leaves_model_fp32(model, tokenizer):
    settings = {"seed": 0, "max_new_tokens": 16, "return_metadata": True}
    bf16_model = copy.deepcopy(model).to(torch.bfloat16)

    samples = sample_responses(
        model, tokenizer, PROMPT, 6, dtype=torch.bfloat16, **settings
    )

    expected = sample_responses(bf16_model, tokenizer, PROMPT, 6, **settings)
    assert all(p.dtype == torch.float32 for p in model.parameters())
    assert [s.token_ids for s in samples] == [s.token_ids for s in expected]
