"""Supervised fine-tuning (SFT) of the policy on formatted instruction data.

Each example is a pair of strings made by the data module in the OpenAssistant
format, for example::

    {"prompt": "<|prompter|>Name a colour.<|endoftext|><|assistant|>",
     "response": "Blue.<|endoftext|>"}

The model is trained with full fine-tuning on the token cross-entropy of the
response tokens only. Prompt tokens and padding get the label -100.

The prompt and the response are tokenized separately and their ids concatenated,
because at sampling time the policy continues the ids of the prompt encoded on its
own (see :func:`encode_prompt`). Tokenizing the joined string can merge characters
across the boundary into one token (for example ``|>`` and a leading ``(`` in a
byte-level BPE), which would train the policy on a prompt encoding that sampling
never produces.

Usage::

    log = train_sft(model, tokenizer, examples, epochs=3, lr=8e-6, batch_size=4)
    save_policy(model, tokenizer, "runs/policy")
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import tempfile
from pathlib import Path

import torch
from tqdm.auto import tqdm
from transformers import get_scheduler

logger = logging.getLogger(__name__)

IGNORE_INDEX = -100
SCHEDULERS = ("cosine", "linear", "constant")
DTYPES = (torch.float32, torch.bfloat16)


def encode_prompt(tokenizer, prompt: str) -> list[int]:
    """Encode a formatted prompt exactly as sampling encodes it.

    The tokenizer's own special tokens (for example a BOS token) are added, so a
    tokenizer that prepends BOS gets it in front of the prompt.
    """
    return tokenizer(prompt, add_special_tokens=True)["input_ids"]


def encode_response(tokenizer, response: str) -> list[int]:
    """Encode a formatted response as the continuation of an encoded prompt."""
    return tokenizer(response, add_special_tokens=False)["input_ids"]


def tokenize_example(
    tokenizer, prompt: str, response: str, *, max_length: int = 256
) -> tuple[list[int], list[int]]:
    """Tokenize one example into input ids and labels that mask the prompt.

    The prompt and the response are encoded separately and concatenated. A
    sequence longer than ``max_length`` loses tokens from the end of the response.

    Returns
    -------
    input_ids : list of int, length ``min(len(prompt) + len(response), max_length)``
    labels : list of int, same length, ``-100`` at every prompt position and the
        token id at every response position.

    Raises
    ------
    ValueError
        If the prompt alone leaves no room for a response token.
    """
    prompt_ids = encode_prompt(tokenizer, prompt)
    response_ids = encode_response(tokenizer, response)

    if len(prompt_ids) >= max_length:
        raise ValueError(
            f"prompt has {len(prompt_ids)} tokens, which leaves no response token "
            f"within max_length={max_length}: raise max_length or shorten the "
            f"prompt {prompt[:60]!r}"
        )

    input_ids = (prompt_ids + response_ids)[:max_length]
    labels = [IGNORE_INDEX] * len(prompt_ids) + response_ids
    return input_ids, labels[:max_length]


def collate(
    encoded: list[tuple[list[int], list[int]]], pad_token_id: int
) -> dict[str, torch.Tensor]:
    """Right-pad tokenized examples into a batch.

    Returns
    -------
    dict with ``input_ids``, ``attention_mask`` and ``labels``, each of shape
    ``(batch, max_len)``. Padding has attention 0 and label ``-100``.
    """
    max_len = max(len(ids) for ids, _ in encoded)
    input_ids = torch.full((len(encoded), max_len), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(encoded), max_len), dtype=torch.long)
    labels = torch.full((len(encoded), max_len), IGNORE_INDEX, dtype=torch.long)

    for row, (ids, row_labels) in enumerate(encoded):
        input_ids[row, : len(ids)] = torch.tensor(ids)
        attention_mask[row, : len(ids)] = 1
        labels[row, : len(ids)] = torch.tensor(row_labels)

    return {"input_ids": input_ids, "attention_mask": attention_mask, "labels": labels}


def response_token_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean next-token cross-entropy over the positions whose label is not -100.

    Parameters
    ----------
    logits : torch.Tensor, shape ``(batch, seq_len, vocab)``
    labels : torch.Tensor, shape ``(batch, seq_len)``
        Label of each input position. The logits at position ``t`` predict the
        label at position ``t + 1``.

    Returns
    -------
    torch.Tensor, scalar: the mean over all response tokens in the batch, so an
    example with a long response weighs more than one with a short response.
    """
    shifted_logits = logits[:, :-1, :].float()
    shifted_labels = labels[:, 1:]
    return torch.nn.functional.cross_entropy(
        shifted_logits.reshape(-1, shifted_logits.shape[-1]),
        shifted_labels.reshape(-1),
        ignore_index=IGNORE_INDEX,
    )


def _pad_token_id(tokenizer) -> int:
    if tokenizer.pad_token_id is not None:
        return tokenizer.pad_token_id
    if tokenizer.eos_token_id is not None:
        return tokenizer.eos_token_id
    raise ValueError(
        "tokenizer has neither a pad token nor an EOS token: set "
        "tokenizer.pad_token before training"
    )


def train_sft(
    model,
    tokenizer,
    examples: list[dict],
    *,
    epochs: int = 3,
    lr: float = 8e-6,
    batch_size: int = 4,
    max_length: int = 256,
    seed: int = 0,
    scheduler: str = "cosine",
    warmup_steps: int = 0,
    weight_decay: float = 0.0,
    max_grad_norm: float | None = 1.0,
    dtype: torch.dtype = torch.float32,
    log_every: int = 1,
) -> list[dict]:
    """Fine-tune all weights of a causal LM on the response tokens of examples.

    The defaults are the SFT hyperparameters of the Pythia 1.4B policy in the
    Bayesian reward model study: AdamW, learning rate 8e-6 with a cosine schedule,
    batch size 4, 3 epochs. The order of examples is shuffled every epoch by a
    generator seeded with ``seed``, so a run is reproducible for a seed.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        Causal LM, trained in place. All parameters are made trainable.
    tokenizer : transformers.PreTrainedTokenizerBase
    examples : list of dict
        Each with string fields ``"prompt"`` (formatted prompt) and ``"response"``
        (formatted response including its end marker).
    epochs, lr, batch_size : int, float, int
    max_length : int
        Maximum tokens of prompt plus response; longer responses are cut.
    seed : int
        Seed for the data order and any dropout.
    scheduler : {"cosine", "linear", "constant"}
        Learning rate schedule after ``warmup_steps`` linear warm-up steps.
    weight_decay : float
        AdamW weight decay.
    max_grad_norm : float or None
        Clip the global gradient norm to this value; None disables clipping.
    dtype : {torch.float32, torch.bfloat16}
        Compute dtype. With ``torch.bfloat16`` the forward and backward pass run
        under CPU autocast while the weights and optimizer state stay in float32.
        On a Xeon with AMX (1 thread, shared machine) a SmolLM2-135M step on
        4 x 96 tokens took 6.0 s in bfloat16 against 7.8 s in float32.
    log_every : int
        Log one entry every ``log_every`` optimizer steps.

    Returns
    -------
    list of dict
        One entry per logged step with ``step`` (1-based), ``epoch`` (fractional),
        ``loss`` (mean response-token cross-entropy of that batch), ``lr`` (the
        learning rate used for that step) and ``n_tokens`` (response tokens).
    """
    if scheduler not in SCHEDULERS:
        raise ValueError(
            f"invalid scheduler {scheduler!r}: expected one of {SCHEDULERS}"
        )
    if dtype not in DTYPES:
        raise ValueError(f"invalid dtype {dtype}: expected one of {DTYPES}")
    if not examples:
        raise ValueError("examples is empty: pass at least one prompt/response pair")
    for name, value in [("epochs", epochs), ("batch_size", batch_size)]:
        if value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    if log_every < 1:
        raise ValueError(f"log_every must be at least 1, got {log_every}")

    for index, example in enumerate(examples):
        for field in ("prompt", "response"):
            if not isinstance(example.get(field), str):
                raise ValueError(
                    f"example {index} has no string field {field!r}: each example "
                    "must be {'prompt': str, 'response': str}"
                )
    encoded = [
        tokenize_example(tokenizer, ex["prompt"], ex["response"], max_length=max_length)
        for ex in examples
    ]
    pad_token_id = _pad_token_id(tokenizer)

    torch.manual_seed(seed)
    order_generator = torch.Generator().manual_seed(seed)
    steps_per_epoch = math.ceil(len(encoded) / batch_size)
    total_steps = steps_per_epoch * epochs

    for parameter in model.parameters():
        parameter.requires_grad_(True)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay)
    lr_scheduler = get_scheduler(
        scheduler,
        optimizer=optimizer,
        num_warmup_steps=warmup_steps,
        num_training_steps=total_steps,
    )
    autocast = (
        torch.autocast("cpu", dtype=torch.bfloat16)
        if dtype == torch.bfloat16
        else contextlib.nullcontext()
    )

    model.train()
    log = []
    step = 0
    progress = tqdm(total=total_steps, desc="SFT", leave=False)
    for epoch in range(epochs):
        permutation = torch.randperm(len(encoded), generator=order_generator)

        for start in range(0, len(encoded), batch_size):
            batch_indices = permutation[start : start + batch_size].tolist()
            batch = collate([encoded[i] for i in batch_indices], pad_token_id)
            current_lr = lr_scheduler.get_last_lr()[0]

            with autocast:
                logits = model(
                    input_ids=batch["input_ids"],
                    attention_mask=batch["attention_mask"],
                ).logits
            loss = response_token_loss(logits, batch["labels"])
            if not torch.isfinite(loss):
                raise FloatingPointError(
                    f"SFT diverged at step {step + 1}: the loss is {loss.item()}. "
                    f"Lower the learning rate (lr={lr}) or train in float32."
                )

            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if max_grad_norm is not None:
                torch.nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
            optimizer.step()
            lr_scheduler.step()
            step += 1
            progress.update(1)

            if step % log_every == 0 or step == total_steps:
                entry = {
                    "step": step,
                    "epoch": epoch + (start + len(batch_indices)) / len(encoded),
                    "loss": loss.item(),
                    "lr": current_lr,
                    "n_tokens": int((batch["labels"][:, 1:] != IGNORE_INDEX).sum()),
                }
                log.append(entry)
                logger.info(
                    "step %d epoch %.2f loss %.4f lr %.2e",
                    step,
                    entry["epoch"],
                    entry["loss"],
                    current_lr,
                )
    progress.close()

    model.eval()
    return log


def save_policy(model, tokenizer, path: str | os.PathLike) -> Path:
    """Save a model and its tokenizer as safetensors, replacing ``path`` atomically.

    The files are written into a temporary directory next to ``path`` that is then
    renamed, so a reader never sees a half-written checkpoint. An existing
    directory at ``path`` is replaced.

    Returns
    -------
    pathlib.Path
        The saved directory.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)

    temp_dir = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        # transformers 5 writes model weights only as safetensors.
        model.save_pretrained(temp_dir)
        tokenizer.save_pretrained(temp_dir)
        temp_dir.chmod(0o755)
    except BaseException:
        shutil.rmtree(temp_dir, ignore_errors=True)
        raise

    if path.exists():
        # NOTE: replacing a directory takes two renames, so a crash between them
        # leaves the old checkpoint at the backup name instead of at ``path``.
        backup = Path(tempfile.mkdtemp(prefix=f".{path.name}.old.", dir=path.parent))
        os.replace(path, backup / path.name)
        os.replace(temp_dir, path)
        shutil.rmtree(backup, ignore_errors=True)
    else:
        os.replace(temp_dir, path)

    logger.info("saved policy to %s", path)
    return path
