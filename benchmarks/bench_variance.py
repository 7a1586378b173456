"""Benchmark the Laplace reward variance against the reward forward pass alone.

Fits a KFAC Laplace posterior on a LoRA reward model over the embedded
all-MiniLM-L6-v2 backbone (trained for one epoch on random preference pairs),
then measures, per batch size, the seconds per response and the peak memory of

- ``forward``: the MAP reward alone (``torch.no_grad``),
- ``fast``: reward and variance from one forward and backward pass
  (``LaplaceRewardModel.predict_batch(method="fast")``),
- ``laplace_torch``: laplace-torch's GLM predictive (``method="laplace_torch"``).

Timing: each method scores the same pre-tokenised responses (tokenisation is not
timed). Methods take turns for ``--repeats`` rounds and the fastest round counts,
which damps noise from other processes on a shared machine. laplace_torch runs
one round because it is slow. Wall-clock and process CPU seconds are both
reported, because CPU time is less affected by other processes.

Memory: before each measured batch, freed heap memory is handed back to the OS
(glibc ``malloc_trim``). A thread then samples the resident set size (RSS) every
millisecond, and the table reports the peak RSS above the RSS before the batch.
This is an estimate because a short-lived peak can fall between samples.

Run from the repository root::

    .venv/bin/python benchmarks/bench_variance.py
    .venv/bin/python benchmarks/bench_variance.py --batch-sizes 1 8 --n-responses 16
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Self

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bayesrm_utils.laplace_rm import fit_laplace
from bayesrm_utils.reward_model import (
    build_reward_model,
    tokenize,
    train_reward_model,
)

BACKBONE = "embedded:all-minilm-l6-v2"
METHODS = ("forward", "fast", "laplace_torch")
LIBC = ctypes.CDLL("libc.so.6")
# Random text is drawn from these words; its content does not matter for timing.
VOCABULARY = (
    "the a model answer question explain why how data result first then because "
    "simple clear wrong right good poor example code list write short long story "
    "value number time people world water energy light system method reason"
)
WORDS = VOCABULARY.split()


def random_text(rng: np.random.Generator, n_words: int) -> str:
    return " ".join(rng.choice(WORDS, size=n_words))


def random_pairs(n_pairs: int, n_words: int, seed: int) -> list[dict[str, str]]:
    """Make preference pairs of random words in the study's chat format."""
    rng = np.random.default_rng(seed)
    pairs = []

    for _ in range(n_pairs):
        prompt = "<|prompter|>" + random_text(rng, 20) + "<|endoftext|><|assistant|>"
        pairs.append(
            {
                "prompt": prompt,
                "chosen": random_text(rng, n_words) + "<|endoftext|>",
                "rejected": random_text(rng, n_words) + "<|endoftext|>",
            }
        )

    return pairs


def current_rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


class PeakRss:
    """Sample the RSS in a thread and keep the peak above the starting RSS."""

    def __enter__(self) -> Self:
        gc.collect()
        LIBC.malloc_trim(0)
        self.baseline = current_rss_bytes()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, current_rss_bytes())
            time.sleep(0.001)

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, current_rss_bytes())

    @property
    def mib(self) -> float:
        return (self.peak - self.baseline) / 2**20


def prepare(args: argparse.Namespace):
    """Train the reward model on random pairs and fit the KFAC posterior."""
    model, tokenizer = build_reward_model(BACKBONE, seed=0)
    pairs = random_pairs(args.n_pairs, args.n_words, seed=0)
    train_reward_model(
        model, tokenizer, pairs, lr=1e-3, batch_size=8, max_length=args.max_length
    )

    start = time.perf_counter()
    posterior = fit_laplace(
        model, tokenizer, pairs, batch_size=8, max_length=args.max_length
    )
    fit_seconds = time.perf_counter() - start

    held_out = random_pairs(8, args.n_words, seed=1)
    prompts = [pair["prompt"] for pair in held_out]
    responses = [pair["chosen"] for pair in held_out]
    _, fast = posterior.predict(prompts, responses, batch_size=8)
    _, reference = posterior.predict(
        prompts, responses, batch_size=8, method="laplace_torch"
    )
    summary = {
        "n_weights": int(posterior.la.n_params),
        "prior_precision": posterior.prior_precision.tolist(),
        "fit_seconds": round(fit_seconds, 2),
        "fast_vs_laplace_torch_max_rel_diff": float(
            np.max(np.abs(fast / reference - 1))
        ),
    }
    return posterior, summary


def make_batches(tokenizer, args, batch_size: int) -> list[dict[str, torch.Tensor]]:
    pairs = random_pairs(args.n_responses, args.n_words, seed=2)
    batches = []

    for start in range(0, args.n_responses, batch_size):
        chunk = pairs[start : start + batch_size]
        batches.append(
            tokenize(
                tokenizer,
                [pair["prompt"] for pair in chunk],
                [pair["chosen"] for pair in chunk],
                max_length=args.max_length,
            )
        )

    return batches


def run_method(posterior, method: str, batches) -> None:
    for batch in batches:
        if method == "forward":
            with torch.no_grad():
                posterior.model(batch["input_ids"], batch["attention_mask"])
        else:
            posterior.predict_batch(
                batch["input_ids"], batch["attention_mask"], method=method
            )


def measure(posterior, args, batch_size: int) -> dict[str, dict[str, float]]:
    """Time every method at one batch size and measure its peak memory."""
    batches = make_batches(posterior.tokenizer, args, batch_size)
    results = {}

    for method in METHODS:
        run_method(posterior, method, batches[:1])

        with PeakRss() as memory:
            run_method(posterior, method, batches[:1])

        results[method] = {
            "peak_mib": memory.mib,
            "seconds": float("inf"),
            "cpu_seconds": float("inf"),
        }

    for round_index in range(args.repeats):
        for method in METHODS:
            if method == "laplace_torch" and round_index > 0:
                continue

            start, start_cpu = time.perf_counter(), time.process_time()
            run_method(posterior, method, batches)
            seconds = (time.perf_counter() - start) / args.n_responses
            cpu_seconds = (time.process_time() - start_cpu) / args.n_responses
            result = results[method]
            result["seconds"] = min(result["seconds"], seconds)
            result["cpu_seconds"] = min(result["cpu_seconds"], cpu_seconds)

    return results


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--batch-sizes",
        type=int,
        nargs="+",
        default=[1, 4, 8, 16],
        help="batch sizes to measure",
    )
    parser.add_argument(
        "--n-responses", type=int, default=32, help="responses timed per method"
    )
    parser.add_argument(
        "--n-pairs", type=int, default=48, help="random pairs for training and fit"
    )
    parser.add_argument(
        "--n-words", type=int, default=80, help="words per random response"
    )
    parser.add_argument(
        "--max-length", type=int, default=256, help="truncation length in tokens"
    )
    parser.add_argument(
        "--repeats", type=int, default=3, help="timing rounds; the fastest counts"
    )
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    return parser.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    posterior, summary = prepare(args)
    print(json.dumps(summary))
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    print()
    print(
        f"{'batch':>5} {'method':>14} {'s/response':>11} {'x forward':>9} "
        f"{'cpu s/resp':>11} {'x forward':>9} {'peak MiB':>9}"
    )

    for batch_size in args.batch_sizes:
        results = measure(posterior, args, batch_size)
        forward = results["forward"]

        for method in METHODS:
            result = results[method]
            print(
                f"{batch_size:>5} {method:>14} {result['seconds']:>11.4f} "
                f"{result['seconds'] / forward['seconds']:>9.2f} "
                f"{result['cpu_seconds']:>11.4f} "
                f"{result['cpu_seconds'] / forward['cpu_seconds']:>9.2f} "
                f"{result['peak_mib']:>9.1f}",
                flush=True,
            )

    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
