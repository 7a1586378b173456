"""The study's stages, each resumable inside a run directory.

Every ``run_*`` function reads the artifacts of the stages before it, writes its own
through :mod:`bayesrm_utils.artifacts` and returns what its notebook displays. A
finished stage is skipped when rerun with the same configuration.

Layout of a run directory::

    01_sft/                 policy/ (safetensors), loss.csv
    02_preference/          pairs.jsonl, prompts/ (the two samples per prompt)
    03_reward_models/seed_S model/, metrics.jsonl
    04_laplace/seed_S       posterior/
    05_bon_samples/
        responses/          prompts/prompt_XXXXXX.jsonl (N responses each)
        gold/               gold.npz (P, N), chunks/ while scoring
        proxy_seed_S/       proxy.npz: Laplace mean and variance (P, N) each
    06_bon_estimates/       estimates.csv
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from bayesrm_utils import artifacts, data
from bayesrm_utils.artifacts import ArtifactError, Stage
from bayesrm_utils.config import REPO_ROOT, StudyConfig

logger = logging.getLogger(__name__)

# Configuration values that each stage's outputs depend on. Batch sizes that do not
# change results are left out, so changing them does not trigger a recomputation.
SFT_KNOBS = (
    "seed", "dtype", "data_source", "policy_source", "sft_examples", "sft_epochs",
    "sft_lr", "sft_batch_size", "sft_max_length",
)  # fmt: skip
# Batch sizes of sampling and scoring are knobs of their stages because the batch
# shape changes the rounding of the logits, and with it samples and bf16 scores.
SAMPLING_KNOBS = (
    "seed",
    "data_source",
    "dtype",
    "max_new_tokens",
    "temperature",
    "top_p",
    "sampling_batch_size",
)
GOLD_KNOBS = ("gold_kind", "gold_source", "gold_template", "dtype", "gold_batch_size")
PREFERENCE_KNOBS = (*SAMPLING_KNOBS, *GOLD_KNOBS, "n_preference_prompts", "label_mode")
REWARD_MODEL_KNOBS = (
    "seed", "dtype", "proxy_backbone", "rm_epochs", "rm_lr", "rm_batch_size",
    "rm_max_length", "rm_eval_fraction", "lora_r", "lora_alpha", "lora_dropout",
)  # fmt: skip
LAPLACE_KNOBS = ("hessian_structure", "rm_max_length")
BON_SAMPLE_KNOBS = (*SAMPLING_KNOBS, "n_val_prompts", "n_samples")
ESTIMATE_KNOBS = ("proxy_seeds", "penalty_ks", "n_samples")


def torch_dtype(name: str) -> torch.dtype:
    return {"float32": torch.float32, "bfloat16": torch.bfloat16}[name]


def default_run_dir(profile: str) -> Path:
    return REPO_ROOT / "runs" / profile


def derived_seed(*parts: int) -> int:
    """Derive a 63-bit seed from every part, e.g. (global seed, stage, index)."""
    return int(np.random.SeedSequence(list(parts)).generate_state(2, np.uint64)[0] >> 1)


class Run:
    """A run directory plus the configuration it is run with."""

    def __init__(self, cfg: StudyConfig, root: Path | str | None = None):
        self.cfg = cfg
        self.root = Path(root) if root else default_run_dir(cfg.profile)
        self.root.mkdir(parents=True, exist_ok=True)
        self._data_digests: dict[str, str] | None = None

    def data_digest(self, split: str) -> str:
        """Return a digest of the rows of ``split`` that the study reads.

        Stages that read a split record it, so editing the data in place
        recomputes them although ``data_source`` names the same path.
        """
        if self._data_digests is None:
            self._data_digests = {
                name: artifacts.json_digest(rows)
                for name, rows in study_rows(self.cfg).items()
            }
        return self._data_digests[split]

    def knobs(self, names, **extra) -> dict:
        values = self.cfg.to_dict()
        return {**{name: values[name] for name in names}, **extra}

    def sft(self) -> Stage:
        return Stage(
            self.root / "01_sft",
            self.knobs(SFT_KNOBS, data_digest=self.data_digest("sft")),
        )

    def preference(self) -> Stage:
        return Stage(
            self.root / "02_preference",
            self.knobs(PREFERENCE_KNOBS, data_digest=self.data_digest("preference")),
            upstream={"sft": self.sft()},
        )

    def reward_model(self, seed: int) -> Stage:
        return Stage(
            self.root / "03_reward_models" / f"seed_{seed}",
            self.knobs(REWARD_MODEL_KNOBS, proxy_seed=seed),
            upstream={"preference": self.preference()},
        )

    def laplace(self, seed: int) -> Stage:
        return Stage(
            self.root / "04_laplace" / f"seed_{seed}",
            self.knobs(LAPLACE_KNOBS),
            upstream={"reward_model": self.reward_model(seed)},
        )

    def bon_responses(self) -> Stage:
        return Stage(
            self.root / "05_bon_samples" / "responses",
            self.knobs(BON_SAMPLE_KNOBS, data_digest=self.data_digest("val")),
            upstream={"sft": self.sft()},
        )

    def bon_gold(self) -> Stage:
        return Stage(
            self.root / "05_bon_samples" / "gold",
            self.knobs(GOLD_KNOBS),
            upstream={"responses": self.bon_responses()},
        )

    def bon_proxy(self, seed: int) -> Stage:
        return Stage(
            self.root / "05_bon_samples" / f"proxy_seed_{seed}",
            self.knobs(()),
            upstream={"responses": self.bon_responses(), "laplace": self.laplace(seed)},
        )

    def estimates(self) -> Stage:
        upstream = {"gold": self.bon_gold()}
        for seed in self.cfg.proxy_seeds:
            upstream[f"proxy_seed_{seed}"] = self.bon_proxy(seed)
        return Stage(
            self.root / "06_bon_estimates", self.knobs(ESTIMATE_KNOBS), upstream
        )


def stage_files(stage: Stage) -> list[str]:
    """List every file under the stage folder except bookkeeping and checkpoints."""
    skipped = (artifacts.MANIFEST, artifacts.STARTED, "chunks")
    files = []
    for path in sorted(stage.root.rglob("*")):
        relative = path.relative_to(stage.root)
        if path.is_file() and relative.parts[0] not in skipped:
            files.append(str(relative))
    return files


def complete(stage: Stage, extra: dict | None = None) -> None:
    """Drop checkpoints and write the manifest."""
    chunks = stage.root / "chunks"
    if chunks.exists():
        for path in chunks.iterdir():
            path.unlink()
        chunks.rmdir()
    stage.finish(stage_files(stage), extra)


def stage_costs(run: Run) -> pd.DataFrame:
    """Collect the wall time and process peak memory that each finished stage recorded.

    Returns one row per manifest under the run directory, sorted by folder, with
    columns ``stage, seconds, process_peak_rss_mib``. Stages finished by an older
    version of this package have no record and get NaN.
    """
    rows = []
    for path in sorted(run.root.rglob(artifacts.MANIFEST)):
        cost = artifacts.load_json(path).get("cost", {})
        rows.append(
            {
                "stage": str(path.parent.relative_to(run.root)),
                "seconds": cost.get("seconds"),
                "process_peak_rss_mib": cost.get("process_peak_rss_mib"),
            }
        )
    return pd.DataFrame(rows, columns=["stage", "seconds", "process_peak_rss_mib"])


def study_rows(cfg: StudyConfig) -> dict[str, list[dict]]:
    """Load and check the sft, preference and val rows that the study uses.

    Every row is validated, the val split must have ``n_val_prompts`` rows, and no
    prompt may be in two splits, because a val prompt seen in SFT or preference
    training would bias the best-of-n estimates.
    """
    rows = {
        "sft": data.load_split(cfg.data_source, "sft"),
        "preference": data.load_split(
            cfg.data_source, "preference", limit=cfg.n_preference_prompts
        ),
        "val": data.load_split(cfg.data_source, "val", limit=cfg.n_val_prompts),
    }
    if not any(r["output"].strip() for r in rows["sft"]):
        raise ValueError(
            f"The sft split of {cfg.data_source} has no rows with a reference output; "
            "SFT needs instruction-output pairs."
        )
    if len(rows["val"]) < cfg.n_val_prompts:
        raise ValueError(
            f"n_val_prompts={cfg.n_val_prompts} but the val split of "
            f"{cfg.data_source} has only {len(rows['val'])} rows. Lower n_val_prompts."
        )
    # NOTE: never run against the AlpacaFarm Hub splits of the paper profile, so
    # it is unverified that they share no prompt.
    data.check_disjoint(rows)
    return rows


def check_inputs(cfg: StudyConfig) -> dict[str, list[dict]]:
    """Check the data and every model source before a stage starts expensive work.

    Returns the rows of :func:`study_rows`. Model sources are only resolved (a
    local directory must contain config.json and weights), not loaded.
    """
    from bayesrm_utils import loading

    rows = study_rows(cfg)
    sources = [cfg.policy_source, cfg.proxy_backbone]
    if cfg.gold_kind != "embedded":
        sources.append(cfg.gold_source)
    for source in sources:
        loading.check_source(source, allow_pickle=cfg.allow_pickle)
    return rows


# ----------------------------------------------------------------------------------
# Stage 1: supervised fine-tuning


def run_sft(run: Run) -> pd.DataFrame:
    """Fine-tune the policy on the sft split; return the loss log."""
    from bayesrm_utils import loading, sft

    cfg = run.cfg
    stage = run.sft()
    if stage.prepare():
        return pd.read_csv(stage.path("loss.csv"))

    rows = [r for r in check_inputs(cfg)["sft"] if r["output"].strip()]
    rows = rows[: cfg.sft_examples]
    examples = [
        {"prompt": data.format_prompt(r), "response": data.format_response(r["output"])}
        for r in rows
    ]
    model, tokenizer = loading.load_causal_lm(
        cfg.policy_source, dtype=torch.float32, allow_pickle=cfg.allow_pickle
    )
    log = sft.train_sft(
        model,
        tokenizer,
        examples,
        epochs=cfg.sft_epochs,
        lr=cfg.sft_lr,
        batch_size=cfg.sft_batch_size,
        max_length=cfg.sft_max_length,
        seed=cfg.seed,
        dtype=torch_dtype(cfg.dtype),
    )
    sft.save_policy(model, tokenizer, stage.path("policy"))
    loss = pd.DataFrame(log)
    artifacts.atomic_write(
        stage.path("loss.csv"), lambda p: loss.to_csv(p, index=False)
    )
    complete(stage, {"n_examples": len(examples)})
    return loss


def load_policy(run: Run):
    from bayesrm_utils import loading

    stage = run.sft()
    stage.require_done()
    return loading.load_causal_lm(
        str(stage.path("policy")), dtype=torch_dtype(run.cfg.dtype)
    )


def load_gold(cfg: StudyConfig):
    from bayesrm_utils import gold

    options = {"allow_pickle": cfg.allow_pickle}
    if cfg.gold_template is not None:
        options["template"] = cfg.gold_template
    return gold.build_gold_reward(
        cfg.gold_kind, cfg.gold_source, dtype=torch_dtype(cfg.dtype), **options
    )


# ----------------------------------------------------------------------------------
# Sampling with per-prompt checkpoints


def sample_prompts(
    stage: Stage, model, tokenizer, rows: list[dict], n: int, cfg: StudyConfig, tag: int
) -> None:
    """Sample ``n`` responses for every row into ``prompts/prompt_XXXXXX.jsonl``.

    One file per prompt, each written atomically, so an interrupted run resumes at
    the first missing prompt. When ``n`` is below ``cfg.sampling_batch_size``,
    fixed groups of consecutive prompts share a decoding batch. The samples of
    prompt ``i`` depend only on (seed, tag, i) and on its group, so a resumed run
    gives exactly the samples an uninterrupted run would give.
    """
    group_size = max(1, cfg.sampling_batch_size // n)
    progress = tqdm(total=len(rows), desc=f"sampling {stage.root.name}")
    for start in range(0, len(rows), group_size):
        indices = range(start, min(start + group_size, len(rows)))
        missing = [i for i in indices if not has_prompt_samples(stage, i, n)]
        if missing:
            # A partly written group is sampled whole again, because the batch
            # shape changes the rounding of the logits and so can change samples.
            samples = sample_group(
                model, tokenizer, [rows[i] for i in indices], n, cfg, tag, start
            )
            for index, group_samples in zip(indices, samples):
                if index in missing:
                    save_prompt_samples(stage, index, rows[index], group_samples)
        progress.update(len(indices))
    progress.close()


def sample_group(model, tokenizer, rows, n, cfg, tag, start) -> list[list]:
    """Sample ``n`` responses to each of ``rows``, prompts ``start`` onwards."""
    from bayesrm_utils import sampling

    prompts = [data.format_prompt(row) for row in rows]
    seeds = [derived_seed(cfg.seed, tag, start + i) for i in range(len(rows))]
    settings = {
        "max_new_tokens": cfg.max_new_tokens,
        "temperature": cfg.temperature,
        "top_p": cfg.top_p,
        "return_metadata": True,
    }
    if len(rows) == 1:
        samples = sampling.sample_responses(
            model,
            tokenizer,
            prompts[0],
            n,
            seed=seeds[0],
            batch_size=cfg.sampling_batch_size,
            **settings,
        )
        return [samples]
    return sampling.sample_prompt_batch(
        model, tokenizer, prompts, n, seeds=seeds, **settings
    )


def save_prompt_samples(stage: Stage, index: int, row: dict, samples: list) -> None:
    records = [
        {
            "prompt_index": index,
            "sample_index": j,
            "prompt": data.prompt_text(row),
            "formatted_prompt": data.format_prompt(row),
            "response": sample.text,
            "n_tokens": sample.n_tokens,
            "finished": sample.finished,
        }
        for j, sample in enumerate(samples)
    ]
    artifacts.save_jsonl(prompt_file(stage, index), records)


def has_prompt_samples(stage: Stage, index: int, n: int) -> bool:
    """Return True when prompt ``index`` has a checkpoint with its ``n`` samples.

    A checkpoint that is unreadable or contains other samples (a file edited or
    cut after it was written) is reported and counts as missing, so it is redone.
    """
    path = prompt_file(stage, index)
    if not path.exists():
        return False
    try:
        rows = artifacts.load_jsonl(path)
        valid = [(r["prompt_index"], r["sample_index"]) for r in rows] == [
            (index, j) for j in range(n)
        ]
    except (ArtifactError, KeyError, TypeError):
        valid = False
    if not valid:
        logger.warning(
            "%s is not a complete checkpoint of %d samples; resampling.", path, n
        )
    return valid


def prompt_file(stage: Stage, index: int) -> Path:
    return stage.root / "prompts" / f"prompt_{index:06d}.jsonl"


def load_prompt_responses(stage: Stage, index: int) -> list[dict]:
    """Load the sampled responses of one prompt, in sample order."""
    return artifacts.load_jsonl(prompt_file(stage, index))


def score_prompts(
    stage: Stage, name: str, score_fn, n_prompts: int, n_responses: int
) -> dict:
    """Apply ``score_fn(prompt_index) -> dict of arrays`` with a checkpoint per prompt.

    Every array of a prompt has shape ``(n_responses,)``. A checkpoint that is
    unreadable or has other arrays or shapes is reported and recomputed.

    Returns each array stacked over prompts, shape ``(n_prompts, n_responses)``.
    """
    chunks = stage.root / "chunks"
    parts: dict[str, list[np.ndarray]] = {}
    keys = None
    for index in tqdm(range(n_prompts), desc=f"scoring {name}"):
        path = chunks / f"{name}_{index:06d}.npz"
        result = load_chunk(path, keys, n_responses)
        if result is None:
            result = {k: np.asarray(v) for k, v in score_fn(index).items()}
            for key, values in result.items():
                if values.shape != (n_responses,):
                    raise ValueError(
                        f"{name} {key} of prompt {index} has shape {values.shape}, "
                        f"expected ({n_responses},)"
                    )
                check_finite(values, f"{name} {key} of prompt {index}")
            artifacts.save_npz(path, **result)
        keys = sorted(result)
        for key, values in result.items():
            parts.setdefault(key, []).append(values)
    return {key: np.stack(values) for key, values in parts.items()}


def load_chunk(path: Path, keys: list[str] | None, n_responses: int) -> dict | None:
    """Load a score checkpoint, or return None when it is missing or invalid."""
    if not path.exists():
        return None
    try:
        result = artifacts.load_npz(path)
    except ArtifactError as error:
        logger.warning("unreadable checkpoint, recomputing it: %s", error)
        return None
    shapes_valid = all(v.shape == (n_responses,) for v in result.values())
    keys_valid = bool(result) and (keys is None or sorted(result) == keys)
    if not (shapes_valid and keys_valid):
        logger.warning(
            "%s contains arrays of shape %s, not %d scores each; recomputing it.",
            path,
            {k: v.shape for k, v in result.items()},
            n_responses,
        )
        return None
    return result


def check_finite(values: np.ndarray, what: str) -> None:
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise ValueError(
            f"{what} is {values.ravel()[bad[0]]} for response {bad[0]} ({bad.size} "
            "non-finite values). Check the model and its dtype (try "
            "dtype='float32')."
        )


# ----------------------------------------------------------------------------------
# Stage 2: preference pairs labelled by the gold reward


def run_preference(run: Run) -> pd.DataFrame:
    """Sample two responses per preference prompt and label them with the gold."""
    cfg = run.cfg
    stage = run.preference()
    if stage.prepare():
        return pd.DataFrame(artifacts.load_jsonl(stage.path("pairs.jsonl")))

    rows = check_inputs(cfg)["preference"]
    model, tokenizer = load_policy(run)
    sample_prompts(stage, model, tokenizer, rows, 2, cfg, tag=2)
    del model

    gold = load_gold(cfg)
    samples = [load_prompt_responses(stage, i) for i in range(len(rows))]
    scores = score_prompts(
        stage,
        "gold",
        lambda i: {
            "gold": gold.score(
                [s["prompt"] for s in samples[i]],
                [s["response"] for s in samples[i]],
                batch_size=cfg.gold_batch_size,
            )
        },
        len(rows),
        2,
    )["gold"]

    pairs = make_pairs(samples, scores, cfg)
    artifacts.save_jsonl(stage.path("pairs.jsonl"), pairs)
    complete(stage, {"n_pairs": len(pairs), "n_prompts": len(rows)})
    return pd.DataFrame(pairs)


def make_pairs(
    samples: list[list[dict]], gold: np.ndarray, cfg: StudyConfig
) -> list[dict]:
    """Label each prompt's two samples; drop pairs of identical responses.

    ``label_mode="argmax"`` prefers the response with the higher gold reward (a tie
    is dropped); ``"bradley_terry"`` draws the label with P(a preferred) =
    sigmoid(gold_a - gold_b), seeded by the global seed.
    """
    rng = np.random.default_rng(derived_seed(cfg.seed, 20))
    pairs = []
    for (a, b), (gold_a, gold_b) in zip(samples, gold.tolist()):
        if a["response"].strip() == b["response"].strip():
            continue
        if cfg.label_mode == "argmax":
            if gold_a == gold_b:
                continue
            a_preferred = gold_a > gold_b
        else:
            p_a = 1.0 / (1.0 + math.exp(gold_b - gold_a))
            a_preferred = bool(rng.random() < p_a)
        chosen, rejected = (a, b) if a_preferred else (b, a)
        pairs.append(
            {
                "prompt_index": a["prompt_index"],
                "prompt": a["prompt"],
                "formatted_prompt": a["formatted_prompt"],
                "response_a": a["response"],
                "response_b": b["response"],
                "gold_a": gold_a,
                "gold_b": gold_b,
                "label": 0 if a_preferred else 1,
                "chosen": chosen["response"],
                "rejected": rejected["response"],
            }
        )
    return pairs


def split_pairs(pairs: list[dict], cfg: StudyConfig) -> tuple[list[dict], list[dict]]:
    """Hold out ``rm_eval_fraction`` of the pairs, the same for every proxy seed."""
    order = np.random.default_rng(derived_seed(cfg.seed, 30)).permutation(len(pairs))
    n_eval = max(1, round(cfg.rm_eval_fraction * len(pairs)))
    if len(pairs) - n_eval < 1:
        raise ValueError(
            f"Only {len(pairs)} preference pairs: too few to hold out "
            f"rm_eval_fraction={cfg.rm_eval_fraction}. Raise n_preference_prompts."
        )
    held_out = {int(i) for i in order[:n_eval]}
    train = [p for i, p in enumerate(pairs) if i not in held_out]
    evaluation = [p for i, p in enumerate(pairs) if i in held_out]
    return train, evaluation


def reward_pairs(pairs: list[dict]) -> list[dict]:
    """Pairs in the reward model's input format (formatted prompt and responses)."""
    return [
        {
            "prompt": p["formatted_prompt"],
            "chosen": data.format_response(p["chosen"]),
            "rejected": data.format_response(p["rejected"]),
        }
        for p in pairs
    ]


def load_pairs(run: Run) -> tuple[list[dict], list[dict]]:
    stage = run.preference()
    stage.require_done()
    pairs = artifacts.load_jsonl(stage.path("pairs.jsonl"))
    return split_pairs(pairs, run.cfg)


# ----------------------------------------------------------------------------------
# Stage 3: proxy reward models


def run_reward_models(run: Run) -> pd.DataFrame:
    """Train one LoRA reward model per proxy seed; return the evaluation log."""
    from bayesrm_utils import reward_model as rm

    cfg = run.cfg
    train, evaluation = load_pairs(run)
    logs = []
    for seed in cfg.proxy_seeds:
        stage = run.reward_model(seed)
        if not stage.prepare():
            model, tokenizer = rm.build_reward_model(
                cfg.proxy_backbone,
                lora_r=cfg.lora_r,
                lora_alpha=cfg.lora_alpha,
                lora_dropout=cfg.lora_dropout,
                seed=seed,
                allow_pickle=cfg.allow_pickle,
            )
            log = rm.train_reward_model(
                model,
                tokenizer,
                reward_pairs(train),
                eval_pairs=reward_pairs(evaluation),
                epochs=cfg.rm_epochs,
                lr=cfg.rm_lr,
                batch_size=cfg.rm_batch_size,
                max_length=cfg.rm_max_length,
                seed=seed,
                dtype=torch_dtype(cfg.dtype),
            )
            rm.save_reward_model(model, tokenizer, stage.path("model"))
            artifacts.save_jsonl(stage.path("metrics.jsonl"), log)
            complete(stage)
        for entry in artifacts.load_jsonl(stage.path("metrics.jsonl")):
            logs.append({"proxy_seed": seed, **entry})
    return pd.DataFrame(logs)


def load_reward_model(run: Run, seed: int):
    from bayesrm_utils import reward_model as rm

    stage = run.reward_model(seed)
    stage.require_done()
    return rm.load_reward_model(stage.path("model"))


# ----------------------------------------------------------------------------------
# Stage 4: Laplace approximation


def run_laplace(run: Run) -> pd.DataFrame:
    """Fit a Laplace posterior per proxy seed; return prior precisions and checks."""
    from bayesrm_utils import laplace_rm

    cfg = run.cfg
    train, evaluation = load_pairs(run)
    summary = []
    for seed in cfg.proxy_seeds:
        stage = run.laplace(seed)
        model, tokenizer = load_reward_model(run, seed)
        if stage.prepare():
            posterior = laplace_rm.load_laplace(
                stage.path("posterior"), model, tokenizer
            )
        else:
            posterior = laplace_rm.fit_laplace(
                model,
                tokenizer,
                reward_pairs(train),
                hessian_structure=cfg.hessian_structure,
                batch_size=cfg.laplace_batch_size,
                max_length=cfg.rm_max_length,
            )
            laplace_rm.save_laplace(posterior, stage.path("posterior"))
            complete(stage)
        summary.append(
            {"proxy_seed": seed, **laplace_check(posterior, evaluation, cfg)}
        )
    return pd.DataFrame(summary)


def laplace_check(posterior, evaluation: list[dict], cfg: StudyConfig) -> dict:
    """Predict on held-out responses: the mean must equal the MAP reward."""
    from bayesrm_utils import reward_model as rm

    batch = reward_pairs(evaluation[:16])
    prompts = [p["prompt"] for p in batch] * 2
    responses = [p["chosen"] for p in batch] + [p["rejected"] for p in batch]
    mean, var = posterior.predict(
        prompts,
        responses,
        batch_size=cfg.score_batch_size,
        max_length=cfg.rm_max_length,
    )
    map_reward = rm.score_rewards(
        posterior.model,
        posterior.tokenizer,
        prompts,
        responses,
        batch_size=cfg.score_batch_size,
        max_length=cfg.rm_max_length,
    )
    return {
        "prior_precision": float(np.mean(posterior.prior_precision)),
        "max_abs_mean_minus_map": float(np.max(np.abs(mean - map_reward))),
        "held_out_std_mean": float(np.mean(np.sqrt(var))),
        "held_out_std_max": float(np.max(np.sqrt(var))),
    }


# ----------------------------------------------------------------------------------
# Stage 5: best-of-n samples and their scores


def run_bon_samples(run: Run) -> dict[str, np.ndarray]:
    """Sample N responses per val prompt and score them with every reward."""
    run_bon_responses(run)
    run_bon_gold(run)
    for seed in run.cfg.proxy_seeds:
        run_bon_proxy(run, seed)
    return load_bon_scores(run)


def run_bon_gold(run: Run) -> None:
    """Score every BoN response with the gold reward, one checkpoint per prompt."""
    cfg = run.cfg
    responses = run.bon_responses()
    stage = run.bon_gold()
    if stage.prepare():
        return
    gold = load_gold(cfg)

    def score_gold(index: int) -> dict:
        records = load_prompt_responses(responses, index)
        scores = gold.score(
            [r["prompt"] for r in records],
            [r["response"] for r in records],
            batch_size=cfg.gold_batch_size,
        )
        return {"gold": scores}

    result = score_prompts(stage, "gold", score_gold, cfg.n_val_prompts, cfg.n_samples)
    artifacts.save_npz(stage.path("gold.npz"), **result)
    complete(stage)


def run_bon_proxy(run: Run, seed: int) -> None:
    """Laplace mean and variance of one proxy for every BoN response."""
    cfg = run.cfg
    responses = run.bon_responses()
    stage = run.bon_proxy(seed)
    if stage.prepare():
        return
    posterior = load_posterior(run, seed)

    def score_proxy(index: int) -> dict:
        records = load_prompt_responses(responses, index)
        mean, var = posterior.predict(
            [r["formatted_prompt"] for r in records],
            [data.format_response(r["response"]) for r in records],
            batch_size=cfg.score_batch_size,
            max_length=cfg.rm_max_length,
        )
        return {"mean": mean, "var": var}

    result = score_prompts(
        stage, f"proxy_seed_{seed}", score_proxy, cfg.n_val_prompts, cfg.n_samples
    )
    artifacts.save_npz(stage.path("proxy.npz"), **result)
    complete(stage)


def run_bon_responses(run: Run) -> Stage:
    """Sample the BoN responses, one file per val prompt; return the finished stage."""
    cfg = run.cfg
    stage = run.bon_responses()
    if stage.prepare():
        return stage

    rows = check_inputs(cfg)["val"]
    model, tokenizer = load_policy(run)
    sample_prompts(stage, model, tokenizer, rows, cfg.n_samples, cfg, tag=5)
    complete(stage, {"n_prompts": len(rows), "n_samples": cfg.n_samples})
    return stage


def load_posterior(run: Run, seed: int):
    from bayesrm_utils import laplace_rm

    model, tokenizer = load_reward_model(run, seed)
    stage = run.laplace(seed)
    stage.require_done()
    return laplace_rm.load_laplace(stage.path("posterior"), model, tokenizer)


def load_bon_scores(run: Run) -> dict[str, np.ndarray]:
    """Gold ``(P, N)`` and per-seed Laplace means and variances ``(m, P, N)``."""
    cfg = run.cfg
    gold_stage = run.bon_gold()
    gold_stage.require_done()
    means, variances = [], []
    for seed in cfg.proxy_seeds:
        stage = run.bon_proxy(seed)
        stage.require_done()
        scores = artifacts.load_npz(stage.path("proxy.npz"))
        means.append(scores["mean"])
        variances.append(scores["var"])
    return {
        "gold": artifacts.load_npz(gold_stage.path("gold.npz"))["gold"],
        "member_means": np.stack(means),
        "member_vars": np.stack(variances),
    }


# ----------------------------------------------------------------------------------
# Stage 6: best-of-n estimates


def run_bon_estimates(run: Run) -> pd.DataFrame:
    """Estimate proxy and gold reward of BoN for every ranking method and n."""
    from bayesrm_utils import bon

    cfg = run.cfg
    stage = run.estimates()
    if stage.prepare():
        return pd.read_csv(stage.path("estimates.csv"))

    scores = load_bon_scores(run)
    rankings = bon.ranking_rewards(
        scores["member_means"], scores["member_vars"], ks=list(cfg.penalty_ks)
    )
    table = bon.bon_table(rankings, {"gold": scores["gold"]}, cfg.bon_ns)
    artifacts.atomic_write(
        stage.path("estimates.csv"), lambda p: table.to_csv(p, index=False)
    )
    complete(stage)
    return table
