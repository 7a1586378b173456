"""Measure the throughput of the default (embedded Gemma 3 270M) gold reward.

Scores synthetic responses of study-like length (instruction of about 25 tokens,
response of about 60 tokens) at a few batch sizes in fp32 and bf16, and prints
responses per second. Run from the repository root:

    .venv/bin/python benchmarks/bench_gold.py --threads 2 --n-responses 64

Throughput depends on other load on the machine: with more runnable threads than
cores, OpenMP synchronisation makes 2 threads slower than 1, so the script reports
the load average next to each number.
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from bayesrm_utils.config import native_bfloat16
from bayesrm_utils.gold import EmbeddedGold

INSTRUCTIONS = [
    "Explain in two sentences why regular exercise improves sleep quality.",
    "Write a short note to a neighbour asking them to water your plants.",
    "List three differences between a lake and a sea.",
    "Summarize the plot of a story about a lost dog that finds its way home.",
]
RESPONSES = [
    (
        "Regular exercise tires the body and lowers stress, so falling asleep becomes "
        "easier. It also helps to keep a steady daily rhythm, which makes sleep deeper "
        "and more refreshing, especially when the exercise happens earlier in the day."
    ),
    (
        "Hi Sam, I will be away from Friday to Monday. Could you water the plants on my "
        "balcony on Saturday and Sunday evening? The watering can is next to the door. "
        "Thank you very much, and let me know if I can return the favour."
    ),
    (
        "1. A sea is usually much larger than a lake.\n2. Sea water is salty, while most "
        "lakes contain fresh water.\n3. A sea is connected to an ocean, but a lake is "
        "surrounded by land on all sides."
    ),
    (
        "A small dog gets lost during a storm and wanders far from home. Helped by kind "
        "strangers and its own sense of smell, it follows familiar sounds back through "
        "the town and finally reaches its family, who had never stopped searching."
    ),
]


def measure(gold: EmbeddedGold, n_responses: int, batch_size: int) -> float:
    prompts = [INSTRUCTIONS[i % len(INSTRUCTIONS)] for i in range(n_responses)]
    responses = [RESPONSES[i % len(RESPONSES)] for i in range(n_responses)]
    gold.score(prompts[:batch_size], responses[:batch_size], batch_size=batch_size)

    start = time.perf_counter()
    gold.score(prompts, responses, batch_size=batch_size)
    return n_responses / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads")
    parser.add_argument(
        "--n-responses", type=int, default=64, help="responses scored per setting"
    )
    parser.add_argument(
        "--batch-sizes", type=int, nargs="+", default=[8, 16, 32], help="rows per pass"
    )
    parser.add_argument(
        "--dtypes",
        nargs="+",
        default=["bfloat16", "float32"] if native_bfloat16() else ["float32"],
        help="model dtypes; default: float32, and bfloat16 where the CPU has it "
        "natively",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"threads={args.threads} n_responses={args.n_responses}")
    print("dtype     batch  responses/s  load average (1 min)")
    for dtype_name in args.dtypes:
        gold = EmbeddedGold(dtype=getattr(torch, dtype_name))
        for batch_size in args.batch_sizes:
            rate = measure(gold, args.n_responses, batch_size)
            load = os.getloadavg()[0]
            print(f"{dtype_name:<9} {batch_size:>5}  {rate:>11.2f}  {load:.1f}")
        del gold


if __name__ == "__main__":
    main()
