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

# Prompts with on-topic sentences; a synthetic response joins a few of them.
ANSWERS = {
    "Give three tips for staying healthy.": [
        "Eat a variety of vegetables and fruit every day.",
        "Sleep seven to nine hours a night.",
        "Walk or cycle for at least thirty minutes most days.",
        "Drink water instead of sugary drinks.",
    ],
    "Explain why the sky is blue.": [
        "Sunlight contains every colour of visible light.",
        "Air molecules scatter short wavelengths far more than long ones.",
        "Blue light is scattered all over the sky and reaches us from everywhere.",
        "At sunset the light crosses more air and the blue is scattered away.",
    ],
    "What is the capital of Australia?": [
        "The capital of Australia is Canberra.",
        "Canberra was chosen as a compromise between Sydney and Melbourne.",
        "Parliament has met in Canberra since 1927.",
    ],
    "How do I reverse a list in Python?": [
        "Use my_list.reverse() to reverse the list in place.",
        "Use my_list[::-1] to get a reversed copy.",
        "reversed(my_list) returns an iterator over the items in reverse order.",
    ],
    "Describe the water cycle to a ten-year-old.": [
        "The sun warms water in seas and lakes until it rises as vapour.",
        "High up, the vapour cools and forms clouds.",
        "When the drops in a cloud get heavy, they fall as rain or snow.",
        "Rivers carry the water back to the sea, and it starts again.",
    ],
    "Suggest a name for a bakery that sells sourdough bread.": [
        "How about The Rising Crust?",
        "Wild Yeast Bakehouse would suit a sourdough shop.",
        "Slow Rise Bakery tells customers the bread takes its time.",
    ],
}
PROMPTS = list(ANSWERS)
FORMATS = [
    "{0}",
    "{0} {1}",
    "Sure!\n\n{0}\n{1}",
    "Here you go:\n\n1. {0}\n2. {1}\n3. {2}",
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
    """Write a run directory whose ``05_bon_samples`` stage contains these scores.

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
                "formatted_prompt": f"Instruction: {prompts[p]}\nResponse: ",
                "response": responses[p][j],
                "n_tokens": len(responses[p][j].split()),
                "finished": not responses[p][j].endswith("..."),
            }
            for j in range(n_samples)
        ]
        artifacts.save_jsonl(stage.path(name), records)
        files.append(name)
    stage.finish(files, {"n_prompts": n_prompts, "n_samples": n_samples})

    upstream = {"responses": stage}
    gold_stage = Stage(samples / "gold", {"gold_kind": "synthetic"}, upstream)
    artifacts.save_npz(gold_stage.path("gold.npz"), gold=gold)
    gold_stage.finish(["gold.npz"])

    for m, seed in enumerate(seeds):
        stage = Stage(samples / f"proxy_seed_{seed}", {}, upstream)
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
    is about four times that of plain responses.
    """
    rng = np.random.default_rng(seed)
    prompts = [PROMPTS[p % len(PROMPTS)] for p in range(n_prompts)]
    responses, quality, flattery = [], [], []
    for prompt in prompts:
        texts, q, f = [], [], []
        for _ in range(n_samples):
            sentences = list(rng.permutation(ANSWERS[prompt])) * 2
            text = str(rng.choice(FORMATS)).format(*sentences)
            flatters = rng.random() < 0.25
            if flatters:
                text = FLATTERY * int(rng.integers(1, 4)) + text
            cut = rng.random() < 0.15
            if cut:
                text = text[: int(rng.integers(20, 60))] + "..."
            texts.append(text)
            q.append(rng.normal() - (0.8 if cut else 0.0))
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
