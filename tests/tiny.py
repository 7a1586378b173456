"""Tiny models and tokenizers that tests build and save locally (no downloads)."""

from __future__ import annotations

from pathlib import Path

import torch
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from tokenizers.pre_tokenizers import Whitespace
from transformers import (
    BertConfig,
    BertModel,
    LlamaConfig,
    LlamaForCausalLM,
    LlamaForSequenceClassification,
    PreTrainedTokenizerFast,
)

SPECIAL_TOKENS = ["<pad>", "<unk>", "<|endoftext|>", "<|prompter|>", "<|assistant|>"]
WORDS = [
    "the",
    "a",
    "an",
    "is",
    "of",
    "to",
    "and",
    "in",
    "it",
    "you",
    "for",
    "on",
    "that",
    "with",
    "as",
    "are",
    "this",
    "be",
    "at",
    "or",
    "by",
    "good",
    "bad",
    "answer",
    "list",
    "three",
    "ideas",
    "write",
    "name",
    "sum",
    "what",
    "how",
    "why",
    "city",
    "cat",
    "dog",
    "red",
    "blue",
    "green",
    "one",
    "two",
    "five",
    "ten",
    "yes",
    "no",
    ",",
    ".",
    "!",
    "?",
]

# Vocabulary of the SFT and sampling tests, whose expected token ids are
# hand-checked against it.
SAMPLING_WORDS = [
    "name",
    "a",
    "colour",
    ".",
    "blue",
    "red",
    "green",
    "the",
    "sky",
    "is",
    "cat",
    "dog",
    "sat",
    "on",
    "mat",
    "count",
    "to",
    "one",
    "two",
    "three",
    "four",
    "say",
    "hello",
    "world",
    "!",
    "?",
    "what",
]


def word_level_tokenizer(words: list[str]) -> PreTrainedTokenizerFast:
    """A word-level tokenizer over ``words`` plus the prompt-format markers.

    The markers are special tokens of the backend, matched before splitting on
    whitespace and punctuation, so "<|prompter|>what" gives two tokens.
    """
    vocab = {token: i for i, token in enumerate(SPECIAL_TOKENS + words)}
    backend = Tokenizer(WordLevel(vocab, unk_token="<unk>"))
    backend.pre_tokenizer = Whitespace()
    backend.add_special_tokens(SPECIAL_TOKENS)
    return PreTrainedTokenizerFast(
        tokenizer_object=backend,
        pad_token="<pad>",
        unk_token="<unk>",
        eos_token="<|endoftext|>",
    )


def tiny_tokenizer() -> PreTrainedTokenizerFast:
    return word_level_tokenizer(WORDS)


def _llama_config(tokenizer, **extra) -> LlamaConfig:
    return LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=256,
        pad_token_id=tokenizer.pad_token_id,
        eos_token_id=tokenizer.eos_token_id,
        bos_token_id=None,
        **extra,
    )


def save_tiny_policy(path: Path, seed: int = 0) -> Path:
    tokenizer = tiny_tokenizer()
    torch.manual_seed(seed)
    model = LlamaForCausalLM(_llama_config(tokenizer))
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path


def save_tiny_classifier(path: Path, seed: int = 1) -> Path:
    tokenizer = tiny_tokenizer()
    torch.manual_seed(seed)
    model = LlamaForSequenceClassification(_llama_config(tokenizer, num_labels=1))
    model.save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path


def save_tiny_bert(path: Path, seed: int = 2) -> Path:
    tokenizer = tiny_tokenizer()
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=256,
        pad_token_id=tokenizer.pad_token_id,
    )
    BertModel(config).save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    return path
