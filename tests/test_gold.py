"""Tests for the gold reward backends.

Backends are checked against a direct forward of tiny local models. The embedded
default is checked on hand-made cases: for each instruction a good answer must
beat an empty answer, a looping answer, an off-topic answer (the good answer to
another instruction) and the good answer cut off mid-sentence.
"""

import numpy as np
import pytest
import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from transformers import (
    AutoModelForCausalLM,
    AutoModelForSequenceClassification,
    LlamaConfig,
    LlamaForCausalLM,
    LlamaForSequenceClassification,
    PreTrainedTokenizerFast,
)

from bayesrm_utils import gold
from bayesrm_utils.config import native_bfloat16
from bayesrm_utils.gold import (
    GOLD_KINDS,
    CausalLMJudgeGold,
    LikelihoodJudgeGold,
    LikelihoodJudgeWeights,
    SequenceClassifierGold,
    build_gold_reward,
    copied_trigram_fraction,
    repeated_trigram_fraction,
)

PROMPTS = ["what is a cat ?", "name three ideas", "write the sum of two and five"]
RESPONSES = ["a cat is a good dog .", "one , two , ten", ""]

# (instruction, good answer, answer that loops on one phrase, good answer cut off)
CASES = [
    (
        "What is the capital of France?",
        "The capital of France is Paris, which is also the country's largest city.",
        "Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris Paris",
        "The capital of France is Paris, which is also the",
    ),
    (
        "Give three tips for staying healthy.",
        (
            "1. Eat plenty of fruit and vegetables.\n2. Exercise for at least thirty "
            "minutes a day.\n3. Get seven to eight hours of sleep each night."
        ),
        "Eat well. Eat well. Eat well. Eat well. Eat well. Eat well. Eat well.",
        "1. Eat plenty of fruit and vegetables.\n2. Exercise for at least thirty",
    ),
    (
        "Convert 48 months to years.",
        "48 months is 48 ÷ 12 = 4 years.",
        "48 months is 48 months is 48 months is 48 months is 48 months is",
        "48 months is 48 ÷",
    ),
    (
        "Write a two-line rhyming poem about coffee.",
        "A cup of coffee, dark and strong,\nit keeps me going all day long.",
        "coffee coffee coffee coffee coffee coffee coffee coffee coffee coffee",
        "A cup of coffee, dark and strong,\nit keeps me",
    ),
    (
        'What is the plural of "mouse"?',
        'The plural of "mouse" is "mice".',
        "The plural The plural The plural The plural The plural The plural",
        'The plural of "mouse" is',
    ),
    (
        "Explain why the sky is blue.",
        (
            "Sunlight is scattered by the molecules in the air, and blue light is "
            "scattered much more than red light because it has a shorter wavelength. "
            "That scattered blue light reaches our eyes from every direction."
        ),
        (
            "The sky is blue because the sky is blue because the sky is blue because "
            "the sky is blue because the sky is blue."
        ),
        (
            "Sunlight is scattered by the molecules in the air, and blue light is "
            "scattered much more than"
        ),
    ),
    (
        (
            "Hana had 39 seashells and gave 17 of them to a friend. How many seashells "
            "does she have left?"
        ),
        "Hana has 39 - 17 = 22 seashells left.",
        "seashells seashells seashells seashells seashells seashells seashells",
        "Hana has 39 - 17 =",
    ),
    (
        "Suggest a name for a bakery.",
        (
            'A friendly name for a bakery is "The Golden Crust", which suggests fresh, '
            "warm bread."
        ),
        "Bakery bakery bakery bakery bakery bakery bakery bakery bakery bakery",
        'A friendly name for a bakery is "The Golden Crust", which suggests fresh,',
    ),
    (
        "Write a Python function that returns the square of a number.",
        "def square(x):\n    return x * x",
        "def def def def def def def def def def def def def def def def def",
        "def square(x):\n    return",
    ),
    (
        "Describe a cat in one sentence.",
        (
            "A cat is a small, furry pet with sharp claws, soft paws and a long tail "
            "that loves to nap in the sun."
        ),
        "A cat is a cat is a cat is a cat is a cat is a cat is a cat is a cat.",
        "A cat is a small, furry pet with sharp claws, soft paws and a",
    ),
    (
        "Put the following words in alphabetical order: quilt, banana, tiger, igloo.",
        "In alphabetical order: banana, igloo, quilt, tiger.",
        "banana, banana, banana, banana, banana, banana, banana, banana, banana",
        "In alphabetical order: banana, igloo,",
    ),
    (
        "How many minutes are in 7 hours?",
        "7 hours is 7 × 60 = 420 minutes.",
        "minutes minutes minutes minutes minutes minutes minutes minutes minutes",
        "7 hours is 7 ×",
    ),
    (
        "What is photosynthesis?",
        (
            "Photosynthesis is the process by which plants use sunlight, water and "
            "carbon dioxide to make glucose and release oxygen."
        ),
        (
            "Photosynthesis is a process. Photosynthesis is a process. Photosynthesis "
            "is a process. Photosynthesis is a process."
        ),
        "Photosynthesis is the process by which plants use sunlight, water and carbon",
    ),
    (
        "Give one reason why reading books is useful.",
        (
            "Reading books builds your vocabulary and helps you understand other "
            "people's points of view."
        ),
        (
            "Reading is good. Reading is good. Reading is good. Reading is good. Reading "
            "is good. Reading is good."
        ),
        "Reading books builds your vocabulary and helps you understand other",
    ),
    (
        'Translate "good morning" into Spanish.',
        '"Good morning" in Spanish is "buenos días".',
        "buenos buenos buenos buenos buenos buenos buenos buenos buenos buenos",
        '"Good morning" in Spanish is',
    ),
    (
        "Which is larger, an elephant or a mouse?",
        "An elephant is much larger than a mouse.",
        "elephant mouse elephant mouse elephant mouse elephant mouse elephant mouse",
        "An elephant is much larger than a",
    ),
    (
        "Write a SQL query that selects all rows from the table users.",
        "SELECT * FROM users;",
        "SELECT SELECT SELECT SELECT SELECT SELECT SELECT SELECT SELECT SELECT",
        "SELECT * FROM",
    ),
    (
        "Summarize the benefits of regular exercise in one sentence.",
        (
            "Regular exercise strengthens the heart and muscles, improves mood and "
            "sleep, and lowers the risk of many diseases."
        ),
        (
            "Exercise is good for you. Exercise is good for you. Exercise is good for "
            "you. Exercise is good for you."
        ),
        (
            "Regular exercise strengthens the heart and muscles, improves mood and "
            "sleep, and lowers the"
        ),
    ),
    (
        "What does a thermometer measure?",
        (
            "A thermometer measures temperature, for example of the air or of a "
            "person's body."
        ),
        "temperature temperature temperature temperature temperature temperature",
        "A thermometer measures temperature, for example of the",
    ),
    (
        "Name three primary colors.",
        "The three primary colors are red, yellow and blue.",
        "red red red red red red red red red red red red red red red red red red",
        "The three primary colors are red,",
    ),
    (
        "Give advice to someone who cannot fall asleep.",
        (
            "Keep a regular bedtime, avoid screens and caffeine in the evening, and "
            "keep your bedroom dark and cool."
        ),
        (
            "Go to sleep. Go to sleep. Go to sleep. Go to sleep. Go to sleep. Go to "
            "sleep. Go to sleep."
        ),
        (
            "Keep a regular bedtime, avoid screens and caffeine in the evening, and "
            "keep your"
        ),
    ),
    (
        "Compare a bicycle and a car in one sentence.",
        (
            "A bicycle is cheaper, quieter and better for your health, while a car is "
            "faster and can carry more people over long distances."
        ),
        (
            "A bicycle and a car. A bicycle and a car. A bicycle and a car. A bicycle "
            "and a car."
        ),
        "A bicycle is cheaper, quieter and better for your health, while a car is",
    ),
]

# The off-topic answer to case i is the good answer to case i + OFF_TOPIC_SHIFT.
OFF_TOPIC_SHIFT = 11

# Two ordinary but unhelpful answers besides the four broken ones: a generic
# answer that fits any instruction, and the instruction repeated back.
EVASIVE_ANSWER = (
    "That is a good question. There are many things to consider, and the answer "
    "depends on the situation."
)
FAILURES = ["empty", "loop", "off_topic", "truncated", "evasive", "restated"]


def failure_variants() -> dict[str, list[str]]:
    """Bad answers for every case, keyed by failure type."""
    n = len(CASES)
    return {
        "empty": [""] * n,
        "loop": [case[2] for case in CASES],
        "off_topic": [CASES[(i + OFF_TOPIC_SHIFT) % n][1] for i in range(n)],
        "truncated": [case[3] for case in CASES],
        "evasive": [EVASIVE_ANSWER] * n,
        "restated": [case[0].rstrip("?.") + "." for case in CASES],
    }


MARKERS = ["<|endoftext|>", "<|prompter|>", "<|assistant|>"]
WORDS = [
    "what",
    "is",
    "a",
    "cat",
    "dog",
    "good",
    "name",
    "three",
    "ideas",
    "write",
    "the",
    "sum",
    "of",
    "two",
    "and",
    "five",
    "one",
    "ten",
    "question",
    "answer",
    "reply",
    "yes",
    "no",
    ",",
    ".",
    "?",
    ":",
]


def _tiny_tokenizer() -> PreTrainedTokenizerFast:
    vocab = {token: i for i, token in enumerate(["<pad>", "<unk>", *MARKERS, *WORDS])}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = Whitespace()
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        unk_token="<unk>",
        eos_token="<|endoftext|>",
    )
    tokenizer.add_special_tokens({"additional_special_tokens": MARKERS[1:]})
    return tokenizer


def _save_tiny(path, model_class, **config_kwargs):
    tokenizer = _tiny_tokenizer()
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        **config_kwargs,
    )
    torch.manual_seed(0)
    model_class(config).save_pretrained(path)
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def classifier_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("classifier")
    return _save_tiny(path, LlamaForSequenceClassification, num_labels=1)


@pytest.fixture(scope="module")
def policy_dir(tmp_path_factory):
    return _save_tiny(tmp_path_factory.mktemp("policy"), LlamaForCausalLM)


def test_sequence_classifier_matches_forward(classifier_dir):
    reward = SequenceClassifierGold(str(classifier_dir))

    scores = reward.score(PROMPTS, RESPONSES, batch_size=2)

    model = AutoModelForSequenceClassification.from_pretrained(classifier_dir).eval()
    expected = []
    for prompt, response in zip(PROMPTS, RESPONSES):
        text = gold.OPENASSISTANT_TEMPLATE.format(prompt=prompt, response=response)
        ids = reward.tokenizer(text, return_tensors="pt", add_special_tokens=False)
        with torch.no_grad():
            expected.append(model(**ids).logits[0, 0].item())
    assert scores.dtype == np.float64
    assert scores.shape == (3,)
    np.testing.assert_allclose(scores, expected, atol=1e-5)


def test_sequence_classifier_batch_size_invariant(classifier_dir):
    reward = SequenceClassifierGold(str(classifier_dir))

    one = reward.score(PROMPTS, RESPONSES, batch_size=1)
    all_rows = reward.score(PROMPTS, RESPONSES, batch_size=3)

    np.testing.assert_allclose(one, all_rows, atol=1e-5)


def test_causal_judge_matches_forward(policy_dir):
    reward = CausalLMJudgeGold(str(policy_dir), yes_token=" yes", no_token=" no")

    scores = reward.score(PROMPTS, RESPONSES, batch_size=2)

    model = AutoModelForCausalLM.from_pretrained(policy_dir).eval()
    yes_id = reward.tokenizer.convert_tokens_to_ids("yes")
    no_id = reward.tokenizer.convert_tokens_to_ids("no")
    expected = []
    for prompt, response in zip(PROMPTS, RESPONSES):
        text = gold.JUDGE_TEMPLATE.format(prompt=prompt, response=response)
        ids = reward.tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            logprobs = model(**ids).logits[0, -1].log_softmax(-1)
        expected.append((logprobs[yes_id] - logprobs[no_id]).item())
    np.testing.assert_allclose(scores, expected, atol=1e-5)


def test_causal_judge_rejects_multi_token_verdict(policy_dir):
    with pytest.raises(ValueError, match="single token"):
        CausalLMJudgeGold(str(policy_dir), yes_token="yes no", no_token=" no")


def _direct_logprobs(model, prefix_ids, response_ids, end_ids):
    ids = torch.tensor([prefix_ids + response_ids])
    with torch.no_grad():
        logprobs = model(input_ids=ids).logits[0].float().log_softmax(-1)
    start = len(prefix_ids)
    tokens = [
        logprobs[start + t - 1, token].item() for t, token in enumerate(response_ids)
    ]
    end = torch.logsumexp(logprobs[start + len(response_ids) - 1, end_ids], 0).item()
    return np.array(tokens), end


def test_likelihood_judge_terms_match_forward(policy_dir):
    reward = LikelihoodJudgeGold(
        str(policy_dir),
        dtype=torch.float32,
        question_template="<|prompter|>{prompt}<|endoftext|><|assistant|>",
        answer_prefix="<|assistant|>",
        end_texts=("<|endoftext|>",),
    )

    terms = reward.score_terms(PROMPTS, RESPONSES)

    model = AutoModelForCausalLM.from_pretrained(policy_dir).eval()
    end_ids = reward.end_ids.tolist()
    for i, (prompt, response) in enumerate(zip(PROMPTS, RESPONSES)):
        response_ids = reward._encode_response(response)
        question = reward._encode_prefix(reward.question_template, prompt)
        answer = reward._encode_prefix(reward.answer_prefix, None)
        conditional, end = _direct_logprobs(model, question, response_ids, end_ids)
        unconditional, _ = _direct_logprobs(model, answer, response_ids, end_ids)

        assert terms["n_tokens"][i] == len(response_ids)
        np.testing.assert_allclose(
            terms["pmi"][i], (conditional - unconditional).sum(), atol=1e-4
        )
        np.testing.assert_allclose(
            terms["conditional_logprob"][i], conditional.sum(), atol=1e-4
        )
        np.testing.assert_allclose(terms["end"][i], end, atol=1e-4)


def test_likelihood_judge_score_combines_terms(policy_dir):
    weights = LikelihoodJudgeWeights(pmi=2.0, end=0.5, repetition=3.0, empty_score=-7)
    reward = LikelihoodJudgeGold(
        str(policy_dir), weights=weights, dtype=torch.float32, end_texts=()
    )

    scores = reward.score(PROMPTS, RESPONSES, batch_size=2)

    terms = reward.score_terms(PROMPTS, RESPONSES)
    expected = (
        2.0 * terms["pmi"] * (1 - terms["copy"])
        + 0.5 * terms["end"]
        - 3.0 * terms["repetition"]
    )
    np.testing.assert_allclose(scores[:2], expected[:2], atol=1e-4)
    assert scores[2] == -7


def test_likelihood_judge_batch_size_invariant(policy_dir):
    reward = LikelihoodJudgeGold(str(policy_dir), dtype=torch.float32, end_texts=())

    one = reward.score(PROMPTS * 2, RESPONSES[::-1] * 2, batch_size=1)
    many = reward.score(PROMPTS * 2, RESPONSES[::-1] * 2, batch_size=4)

    np.testing.assert_allclose(one, many, atol=1e-4)


def test_non_finite_score_names_row(classifier_dir, monkeypatch):
    reward = SequenceClassifierGold(str(classifier_dir))
    monkeypatch.setattr(
        reward, "_score_batch", lambda prompts, responses: np.array([0.0, np.nan])
    )

    with pytest.raises(ValueError, match="row 1"):
        reward.score(PROMPTS[:2], ["a", "a cat"], batch_size=2)


def test_score_length_mismatch_rejected(classifier_dir):
    reward = SequenceClassifierGold(str(classifier_dir))

    with pytest.raises(ValueError, match="2 prompts but 1 responses"):
        reward.score(PROMPTS[:2], RESPONSES[:1])


def test_template_without_response_rejected(classifier_dir):
    with pytest.raises(ValueError, match="no {response} field"):
        SequenceClassifierGold(str(classifier_dir), template="{prompt}")


def test_build_invalid_kind_lists_valid():
    with pytest.raises(ValueError, match="embedded, sequence_classifier"):
        build_gold_reward("human", None)


def test_build_without_source_rejected():
    with pytest.raises(ValueError, match="needs a source"):
        build_gold_reward("sequence_classifier", None)


def test_build_embedded_with_source_rejected():
    with pytest.raises(ValueError, match="source=None"):
        build_gold_reward("embedded", "some/model")


def test_build_kinds(classifier_dir, policy_dir):
    assert GOLD_KINDS == ("embedded", "sequence_classifier", "causal_lm_judge")
    classifier = build_gold_reward("sequence_classifier", str(classifier_dir))
    judge = build_gold_reward(
        "causal_lm_judge", str(policy_dir), yes_token=" yes", no_token=" no"
    )

    assert isinstance(classifier, SequenceClassifierGold)
    assert isinstance(judge, CausalLMJudgeGold)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", 0.0),
        ("one two", 0.0),
        ("the cat sat on the mat", 0.0),
        ("go home go home go home", 0.5),
        ("red " * 12, 0.9),
    ],
)
def test_repeated_trigram_fraction(text, expected):
    assert repeated_trigram_fraction(text) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("prompt", "response", "expected"),
    [
        ("What is the capital of France?", "", 0.0),
        ("What is the capital of France?", "What is the capital of France.", 0.8),
        ("What is the capital of France?", "The capital of France is Paris.", 0.4),
        ("Name a colour.", "Red is a colour.", 1 / 3),
        ("Name a colour.", "Blue.", 0.0),
    ],
)
def test_copied_trigram_fraction(prompt, response, expected):
    assert copied_trigram_fraction(prompt, response) == pytest.approx(expected)


def test_cases_are_complete():
    assert len(CASES) >= 20
    for _instruction, good, loop, truncated in CASES:
        assert good.startswith(truncated)
        assert len(truncated) < len(good)
        assert repeated_trigram_fraction(loop) > 0.5


@pytest.fixture(scope="module")
def embedded_scores():
    # The study's default dtype: bfloat16 where the CPU has it natively.
    dtype = torch.bfloat16 if native_bfloat16() else torch.float32
    reward = build_gold_reward("embedded", None, dtype=dtype)
    prompts = [case[0] for case in CASES]
    variants = {"good": [case[1] for case in CASES], **failure_variants()}
    names = list(variants)
    all_scores = reward.score(
        prompts * len(names), [r for rs in variants.values() for r in rs], batch_size=32
    )
    return dict(zip(names, all_scores.reshape(len(names), len(CASES))))


@pytest.mark.slow
@pytest.mark.parametrize("failure", FAILURES)
def test_embedded_good_beats_failure(embedded_scores, failure):
    good = embedded_scores["good"]
    bad = embedded_scores[failure]

    losing = [CASES[i][0] for i in np.flatnonzero(good <= bad)]
    assert losing == []
