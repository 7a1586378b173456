"""Time and peak memory of the best-of-n estimator at full scale.

"Bayesian Reward Models for LLM Alignment" evaluates best-of-n on 1000 prompts
with 12,500 sampled responses each. This script draws random rewards of that shape
and reports

1. ``bon_estimate`` for one ranking reward with two evaluation rewards, and
2. ``bon_table`` for a full method grid (MAP, LA, Ens, LA Ens with both penalties
   and several k).

Run from the repository root::

    .venv/bin/python benchmarks/bench_bon.py
    .venv/bin/python benchmarks/bench_bon.py --prompts 100 --ks 1 3

Peak memory is the traced numpy allocation peak (``tracemalloc``) above the
already-allocated inputs, so it excludes the inputs themselves.
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc

import numpy as np

from bayesrm_utils.bon import bon_estimate, bon_table, ranking_rewards


def measure(function, *args):
    """Run ``function(*args)`` once and return (result, seconds, peak bytes)."""
    tracemalloc.start()
    start = time.perf_counter()
    result = function(*args)
    seconds = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prompts", type=int, default=1000, help="number of prompts")
    parser.add_argument(
        "--responses", type=int, default=12_500, help="N, responses per prompt"
    )
    parser.add_argument("--members", type=int, default=3, help="ensemble size m")
    parser.add_argument(
        "--ks",
        type=float,
        nargs="*",
        default=[1, 3, 5, 10],
        help="penalty strengths k for the method grid",
    )
    parser.add_argument("--seed", type=int, default=0, help="random seed")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    shape = (args.members, args.prompts, args.responses)
    member_means = rng.normal(size=shape)
    member_vars = rng.gamma(2.0, 0.1, size=shape)
    gold = member_means.mean(axis=0) + rng.normal(size=shape[1:])

    # 20 values of n, log-spaced from 1 to N.
    ns = np.unique(np.geomspace(1, args.responses, 20).round().astype(int))
    matrix_mib = args.prompts * args.responses * 8 / 2**20
    print(
        f"prompts={args.prompts} N={args.responses} len(ns)={len(ns)} "
        f"one (prompts, N) float64 array = {matrix_mib:.0f} MiB "
        f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )

    evals = {"proxy": member_means[0], "gold": gold}
    _, seconds, peak = measure(bon_estimate, member_means[0], evals, ns)
    print(
        f"bon_estimate, 1 ranking reward x 2 eval rewards: {seconds:.2f} s, "
        f"peak {peak / 2**20:.0f} MiB ({peak / 2**20 / matrix_mib:.1f} arrays)"
    )

    rewards, seconds, peak = measure(
        ranking_rewards, member_means, member_vars, args.ks
    )
    print(
        f"ranking_rewards, {len(rewards)} methods: {seconds:.2f} s, "
        f"peak {peak / 2**20:.0f} MiB"
    )

    table, seconds, peak = measure(bon_table, rewards, {"gold": gold}, ns)
    print(
        f"bon_table, {len(rewards)} methods x 2 eval rewards ({len(table)} rows): "
        f"{seconds:.2f} s, {seconds / len(rewards):.2f} s per method, "
        f"peak {peak / 2**20:.0f} MiB ({peak / 2**20 / matrix_mib:.1f} arrays)"
    )


if __name__ == "__main__":
    main()
