"""Build small run directories with a finished ``05_bon_samples`` stage.

:func:`write_bon_run` writes given scores and texts in the layout that
``bayesrm_utils.stages.run_bon_samples`` produces. :func:`synthetic_run` makes a
readable one in which the proxy over-rates flattering, repetitive responses and the
Laplace variance of those responses is larger, as the explorer is meant to show.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from bayesrm_utils import artifacts
from bayesrm_utils.artifacts import Stage

PROMPTS = [
    "Give three tips for staying healthy.",
    "Explain why the sky is blue.",
    "Write a haiku about autumn leaves.",
    "What is the capital of Australia?",
    "Summarize the plot of Romeo and Juliet in two sentences.",
    "How do I reverse a list in Python?",
    "Suggest a name for a bakery that sells sourdough bread.",
    "Describe the water cycle to a ten-year-old.",
]

HELPFUL = [
    "Here is a short answer.\n\n1. {a}\n2. {b}\n3. {c}",
    "{a} In addition, {b_lower}",
    "Sure. {a}\n{b}",
    "{a}",
]
FACTS = [
    "Eat a variety of vegetables every day.",
    "Sleep seven to nine hours a night.",
    "Walk for at least thirty minutes.",
    "Sunlight is scattered by air molecules, and blue light scatters most.",
    "Canberra is the capital of Australia.",
    "Use my_list[::-1] or my_list.reverse() in Python.",
    "Water evaporates, forms clouds, and falls back as rain.",
    "Two young lovers from feuding families marry in secret and both die.",
]
FLATTERY = (
    "What a wonderful question! Great question! I am so glad you asked this "
    "amazing question. "
)


def write_bon_run(
    root: Path,
    gold: np.ndarray,
    member_means: np.ndarray,
    member_vars: np.ndarray,
    seeds=(0, 1),
    prompts: list[str] | None = None,
    responses: list[list[str]] | None = None,
) -> Path:
    """Write a run directory whose ``05_bon_samples`` stage holds these scores.

    Parameters
    ----------
    gold : ndarray of shape (P, N)
    member_means, member_vars : ndarray of shape (m, P, N)
        Laplace mean and variance of the proxy of each seed in ``seeds``.
    prompts : list of str, optional
        Defaults to ``"prompt p"``.
    responses : list of P lists of N str, optional
        Defaults to ``"response p.j"``.
    """
    root = Path(root)
    n_prompts, n_samples = gold.shape
    prompts = prompts or [f"prompt {p}" for p in range(n_prompts)]
    if responses is None:
        responses = [
            [f"response {p}.{j}" for j in range(n_samples)] for p in range(n_prompts)
        ]

    samples = root / "05_bon_samples"
    stage = Stage(samples / "responses", {"n_samples": n_samples})
    files = []
    for p in range(n_prompts):
        name = f"prompts/prompt_{p:06d}.jsonl"
        records = [
            {
                "prompt_index": p,
                "sample_index": j,
                "prompt": prompts[p],
                "formatted_prompt": f"### Instruction:\n{prompts[p]}\n\n### Response:\n",
                "response": responses[p][j],
                "n_tokens": len(responses[p][j].split()),
                "finished": not responses[p][j].endswith("..."),
            }
            for j in range(n_samples)
        ]
        artifacts.save_jsonl(stage.path(name), records)
        files.append(name)
    stage.finish(files, {"n_prompts": n_prompts, "n_samples": n_samples})

    gold_stage = Stage(samples / "gold", {"gold_kind": "synthetic"})
    artifacts.save_npz(gold_stage.path("gold.npz"), gold=gold)
    gold_stage.finish(["gold.npz"])

    for m, seed in enumerate(seeds):
        stage = Stage(samples / f"proxy_seed_{seed}", {})
        artifacts.save_npz(
            stage.path("proxy.npz"), mean=member_means[m], var=member_vars[m]
        )
        stage.finish(["proxy.npz"])
    return root


def synthetic_run(
    root: Path, n_prompts: int = 6, n_samples: int = 24, seeds=(0, 1, 2), seed: int = 0
) -> Path:
    """Write a run with readable texts and an overoptimized proxy.

    A quarter of the responses open with flattery and repeat themselves. The gold
    reward marks them down, every proxy marks them up, and their Laplace variance
    is about four times that of plain answers.
    """
    rng = np.random.default_rng(seed)
    prompts = [PROMPTS[p % len(PROMPTS)] for p in range(n_prompts)]
    responses, quality, flattery = [], [], []
    for p in range(n_prompts):
        texts, q, f = [], [], []
        for _ in range(n_samples):
            a, b, c = rng.choice(FACTS, size=3, replace=False)
            text = rng.choice(HELPFUL).format(
                a=a, b=b, c=c, b_lower=b[0].lower() + b[1:]
            )
            flatters = rng.random() < 0.25
            if flatters:
                text = FLATTERY * int(rng.integers(1, 4)) + text
            if rng.random() < 0.15:
                text = text[: int(rng.integers(20, 60))] + "..."
            texts.append(text)
            q.append(rng.normal() - (0.8 if text.endswith("...") else 0.0))
            f.append(flatters)
        responses.append(texts)
        quality.append(q)
        flattery.append(f)

    quality = np.array(quality)
    flattery = np.array(flattery, dtype=np.float64)
    gold = quality - 1.5 * flattery
    member_means = np.stack(
        [
            0.7 * quality + 1.2 * flattery + 0.3 * rng.normal(size=quality.shape)
            for _ in seeds
        ]
    )
    member_vars = np.stack(
        [
            (0.05 + 0.15 * flattery) * rng.uniform(0.7, 1.3, size=quality.shape)
            for _ in seeds
        ]
    )
    return write_bon_run(
        root, gold, member_means, member_vars, seeds, prompts, responses
    )
