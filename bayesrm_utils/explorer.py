"""Read the best-of-n responses behind the BoN curves of a run directory.

:class:`ExplorerData` opens the ``05_bon_samples`` folder of any run directory
without its configuration. It finds the proxy seeds from the ``proxy_seed_S``
folder names, and the first seed in numerical order is the single model of the
MAP and LA methods, as in :func:`bayesrm_utils.bon.ranking_rewards`. Only the
score arrays ``(P, N)`` stay in memory. Response texts are read per prompt file
when a prompt is shown, and the overoptimization view reads only the lines of the
rows it displays.

:func:`rank_prompt` and :func:`overoptimized` return plain DataFrames, and
:class:`Explorer` puts them in ipywidgets with a plotly ``FigureWidget``::

    data = ExplorerData.open("runs/cpu")
    rank_prompt(data, prompt_index=0, method="LA var", k=3.0, n=16)
    Explorer(data)  # displayed in a notebook
"""

from __future__ import annotations

import html
import json
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from bayesrm_utils import artifacts, bon
from bayesrm_utils.artifacts import ArtifactError, Stage

logger = logging.getLogger(__name__)

# Display name -> (bon family, penalty). "none" marks an unpenalised reward.
METHODS = {
    "MAP": ("MAP", "none"),
    "LA std": ("LA", "std"),
    "LA var": ("LA", "var"),
    "Ens": ("Ens", "none"),
    "LA Ens std": ("LA Ens", "std"),
    "LA Ens var": ("LA Ens", "var"),
}
STANDARDIZE = ("prompt", "all")

SAMPLES_DIR = "05_bon_samples"


def proxy_kind(family: str) -> str:
    """``"single"`` for MAP and LA, which use one seed, else ``"ensemble"``."""
    return "single" if family in ("MAP", "LA") else "ensemble"


def parse_method(method: str, n_members: int) -> tuple[str, str]:
    """Return the ``(family, penalty)`` of a display name from :data:`METHODS`."""
    valid = [name for name in METHODS if n_members >= 2 or "Ens" not in name]
    if method not in valid:
        reason = "" if method not in METHODS else " (ensembles need two proxy seeds)"
        raise ValueError(f"Unknown method {method!r}{reason}; valid values: {valid}.")
    return METHODS[method]


# ----------------------------------------------------------------------------------
# Run directory


@dataclass
class ExplorerData:
    """Scores of every BoN sample of a run, with response texts read on demand.

    Attributes
    ----------
    run_dir : Path
        The run directory.
    seeds : tuple of int
        Proxy seeds in ascending order; ``seeds[0]`` is the single model.
    gold : ndarray of shape (P, N)
        Gold reward of every response.
    seed_means : list of m ndarrays of shape (P, N)
        Laplace predictive mean (the MAP reward) of each proxy seed.
    seed_vars : list of m ndarrays of shape (P, N)
        Laplace predictive variance Λ of each proxy seed. The seeds are kept as
        separate arrays because stacking them copies gigabytes at paper size.
    loaded_prompts : list of int
        Prompts whose response file was read in full, in reading order.
    """

    run_dir: Path
    seeds: tuple[int, ...]
    gold: np.ndarray
    seed_means: list[np.ndarray]
    seed_vars: list[np.ndarray]
    file_bytes: dict[str, int] = field(default_factory=dict, repr=False)
    cache_size: int = 4
    loaded_prompts: list[int] = field(default_factory=list, repr=False)
    _records: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _prompts: dict[int, str] = field(default_factory=dict, repr=False)
    _sorted_sigma: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, run_dir: Path | str, cache_size: int = 4) -> ExplorerData:
        """Load the scores of a run's finished ``05_bon_samples`` stage.

        Parameters
        ----------
        run_dir : Path or str
            Run directory, e.g. ``runs/cpu``.
        cache_size : int
            Number of prompts whose response records stay in memory.
        """
        root = Path(run_dir) / SAMPLES_DIR
        if not root.is_dir():
            raise ArtifactError(
                f"{root} not found: {run_dir} is not a run directory with best-of-n "
                "samples. Run notebooks/05_bon_samples.py for it first."
            )

        responses = _finished_manifest(root / "responses")
        n_prompts = int(responses["n_prompts"])
        n_samples = int(responses["n_samples"])

        gold_stage = Stage(root / "gold", {})
        gold_manifest = _finished_manifest(gold_stage.root)
        if gold_manifest["upstream"].get("responses") != responses["digest"]:
            raise ArtifactError(
                f"{gold_stage.root} scores other responses than {root / 'responses'} "
                "holds (an older run). Rerun notebooks/05_bon_samples.py."
            )
        gold_stage.verify()
        gold = artifacts.load_npz(gold_stage.path("gold.npz"))["gold"]
        _check_shape(gold_stage.path("gold.npz"), "gold", gold, (n_prompts, n_samples))

        seeds = discover_seeds(root, responses["digest"])
        means, variances = [], []
        for seed in seeds:
            stage = Stage(root / f"proxy_seed_{seed}", {})
            stage.verify()
            scores = artifacts.load_npz(stage.path("proxy.npz"))
            for key in ("mean", "var"):
                _check_shape(stage.path("proxy.npz"), key, scores.get(key), gold.shape)
            means.append(scores["mean"])
            variances.append(scores["var"])

        file_bytes = {
            name: entry["bytes"] for name, entry in responses["files"].items()
        }
        logger.info(
            "Opened %s: %d prompts x %d responses, proxy seeds %s (single model: "
            "seed %d).",
            run_dir,
            n_prompts,
            n_samples,
            list(seeds),
            seeds[0],
        )
        return cls(
            run_dir=Path(run_dir),
            seeds=seeds,
            gold=gold,
            seed_means=means,
            seed_vars=variances,
            file_bytes=file_bytes,
            cache_size=cache_size,
        )

    @property
    def n_prompts(self) -> int:
        return self.gold.shape[0]

    @property
    def n_samples(self) -> int:
        return self.gold.shape[1]

    @property
    def n_members(self) -> int:
        return len(self.seed_means)

    @property
    def methods(self) -> list[str]:
        """Ranking methods available with this run's number of proxy seeds."""
        return [name for name in METHODS if self.n_members >= 2 or "Ens" not in name]

    def members(self, index) -> tuple[np.ndarray, np.ndarray]:
        """Return the means and variances of every seed at ``index``.

        ``index`` selects from a ``(P, N)`` array, e.g. a list of prompts; the
        results have shape ``(m, ...)`` and dtype float64.
        """
        means = np.stack(
            [np.asarray(a[index], dtype=np.float64) for a in self.seed_means]
        )
        variances = np.stack(
            [np.asarray(a[index], dtype=np.float64) for a in self.seed_vars]
        )
        return means, variances

    def prompt_path(self, prompt_index: int) -> Path:
        self._check_prompt(prompt_index)
        name = f"prompts/prompt_{prompt_index:06d}.jsonl"
        return self.run_dir / SAMPLES_DIR / "responses" / name

    def prompt_text(self, prompt_index: int) -> str:
        """Return the prompt text, read from the first line of its response file."""
        if prompt_index not in self._prompts:
            if prompt_index in self._records:
                record = self._records[prompt_index][0]
            else:
                with self.prompt_path(prompt_index).open() as f:
                    record = json.loads(f.readline())
            self._prompts[prompt_index] = record["prompt"]
        return self._prompts[prompt_index]

    def prompt_titles(self, max_chars: int = 90) -> list[str]:
        """Return one line per prompt for a search list: index and shortened text.

        The first call reads one line of every prompt file.
        """
        titles = []
        for index in range(self.n_prompts):
            text = " ".join(self.prompt_text(index).split())
            if len(text) > max_chars:
                text = text[: max_chars - 1] + "…"
            titles.append(f"{index}: {text}")
        return titles

    def responses(self, prompt_index: int) -> list[dict]:
        """Return the response records of one prompt, in sample order.

        The last ``cache_size`` prompts read stay in memory.
        """
        if prompt_index in self._records:
            self._records.move_to_end(prompt_index)
            return self._records[prompt_index]

        path = self.prompt_path(prompt_index)
        self._check_file_size(path)
        records = artifacts.load_jsonl(path)
        if len(records) != self.n_samples:
            raise ArtifactError(
                f"{path} has {len(records)} responses but the scores have "
                f"{self.n_samples} per prompt. Rerun notebooks/05_bon_samples.py."
            )
        self.loaded_prompts.append(prompt_index)
        self._records[prompt_index] = records
        while len(self._records) > self.cache_size:
            self._records.popitem(last=False)
        return records

    def response(self, prompt_index: int, sample_index: int) -> dict:
        """Return one response record without reading the whole prompt file."""
        if not 0 <= sample_index < self.n_samples:
            raise IndexError(
                f"sample_index={sample_index} is out of range for N={self.n_samples}."
            )
        if prompt_index in self._records:
            return self._records[prompt_index][sample_index]

        path = self.prompt_path(prompt_index)
        self._check_file_size(path)
        with path.open() as f:
            for line_no, line in enumerate(f):
                if line_no == sample_index:
                    record = json.loads(line)
                    if record["sample_index"] == sample_index:
                        return record
                    break
        # Lines out of sample order: fall back to reading the file.
        return self.responses(prompt_index)[sample_index]

    def sorted_sigma(self, family: str) -> np.ndarray:
        """Return all σ of a method family, sorted ascending, for percentiles."""
        key = proxy_kind(family)
        if key not in self._sorted_sigma:
            self._sorted_sigma[key] = np.sort(family_sigma(self, family), axis=None)
        return self._sorted_sigma[key]

    def _check_prompt(self, prompt_index: int) -> None:
        if not 0 <= prompt_index < self.n_prompts:
            raise IndexError(
                f"prompt_index={prompt_index} is out of range for "
                f"{self.n_prompts} prompts."
            )

    def _check_file_size(self, path: Path) -> None:
        root = self.run_dir / SAMPLES_DIR / "responses"
        expected = self.file_bytes.get(str(path.relative_to(root)))
        if expected is not None and path.stat().st_size != expected:
            raise ArtifactError(
                f"{path} has {path.stat().st_size} bytes but its manifest records "
                f"{expected}. Delete {root} and rerun notebooks/05_bon_samples.py."
            )


def discover_seeds(samples_dir: Path, responses_digest: str) -> tuple[int, ...]:
    """Return the seeds of the finished ``proxy_seed_S`` folders, ascending.

    Folders that score other responses than ``responses_digest`` names, left
    over from a run with another configuration, are skipped with a warning.
    """
    seeds = []
    for folder in Path(samples_dir).glob("proxy_seed_*"):
        suffix = folder.name.removeprefix("proxy_seed_")
        manifest_path = folder / artifacts.MANIFEST
        if not suffix.isdigit():
            logger.warning("Skipping %s: the folder name has no integer seed.", folder)
        elif not manifest_path.exists():
            logger.warning("Skipping %s: the stage has not finished.", folder)
        elif (
            artifacts.load_json(manifest_path)["upstream"].get("responses")
            != responses_digest
        ):
            logger.warning(
                "Skipping %s: it scores the responses of an older run.", folder
            )
        else:
            seeds.append(int(suffix))
    if not seeds:
        raise ArtifactError(
            f"No finished proxy_seed_S folder under {samples_dir}. Run "
            "notebooks/05_bon_samples.py to score the samples with the proxies."
        )
    return tuple(sorted(seeds))


def _finished_manifest(stage_dir: Path) -> dict:
    path = stage_dir / artifacts.MANIFEST
    if not path.exists():
        raise ArtifactError(
            f"{stage_dir} has no manifest: the stage has not finished. Run "
            "notebooks/05_bon_samples.py for this run directory."
        )
    return artifacts.load_json(path)


def _check_shape(path: Path, key: str, values, shape: tuple[int, int]) -> None:
    if values is None:
        raise ArtifactError(f"{path} has no array {key!r}; rerun its stage.")
    if values.shape != shape:
        raise ArtifactError(
            f"{path} array {key!r} has shape {values.shape}, expected {shape} "
            "(prompts, responses) from the responses manifest. Rerun its stage."
        )


# ----------------------------------------------------------------------------------
# Rankings


def family_sigma(data: ExplorerData, family: str, index=slice(None)) -> np.ndarray:
    """σ = √Λ of a method family's reward at ``index`` of the ``(P, N)`` scores.

    MAP and LA use the single model's variance; Ens and LA Ens the Laplace
    ensemble's ``sum(var_i) / m**2`` (:func:`bayesrm_utils.bon.laplace_ensemble`),
    summed seed by seed so that no ``(m, P, N)`` copy is made.
    """
    if proxy_kind(family) == "single":
        variance = np.asarray(data.seed_vars[0][index], dtype=np.float64)
    else:
        total = sum(np.asarray(v[index], dtype=np.float64) for v in data.seed_vars)
        variance = total / data.n_members**2
    return np.sqrt(np.clip(variance, 0.0, None))


def family_proxy(data: ExplorerData, family: str, index=slice(None)) -> np.ndarray:
    """Unpenalised proxy reward of a method family at ``index`` of ``(P, N)``.

    MAP and LA use the single model's reward, Ens and LA Ens the seed mean.
    """
    if proxy_kind(family) == "single":
        return np.asarray(data.seed_means[0][index], dtype=np.float64)
    total = sum(np.asarray(m[index], dtype=np.float64) for m in data.seed_means)
    return total / data.n_members


def method_rewards(data: ExplorerData, method: str, k: float, prompts) -> dict:
    """Compute a method's ranking reward, proxy reward and σ for some prompts.

    The rewards come from :func:`bayesrm_utils.bon.ranking_rewards`, so they equal
    what the BoN estimates rank by.

    Parameters
    ----------
    prompts : list or int array
        Prompt indices.

    Returns
    -------
    dict with ``"scores"``, ``"proxy"`` and ``"sigma"``, each ``(len(prompts), N)``.
    """
    family, penalty = parse_method(method, data.n_members)
    means, variances = data.members(prompts)
    penalties = (penalty,) if penalty != "none" else ()
    rewards = bon.ranking_rewards(
        means, variances, ks=[k] if penalties else [], penalties=penalties
    )
    reward = next(
        r for r in rewards.values() if r.family == family and r.penalty == penalty
    )
    return {
        "scores": reward.scores,
        "proxy": reward.proxy,
        "sigma": family_sigma(data, family, prompts),
    }


def pick_probabilities(scores: np.ndarray, n: int) -> np.ndarray:
    """Compute the probability that each response is the best of ``n`` draws.

    The response of ascending rank ``i`` (1-based) gets the BoN weight
    ``C(i - 1, n - 1) / C(N, n)``. Tied scores share their weights equally, as
    :func:`bayesrm_utils.bon.bon_estimate` breaks ties uniformly at random.

    Parameters
    ----------
    scores : ndarray of shape (N,)
        Ranking reward of one prompt's responses.
    n : int
        Best-of-n size, ``1 <= n <= N``.

    Returns
    -------
    ndarray of shape (N,)
        In sample order; sums to 1.
    """
    weights = bon.bon_weights(scores.size, n)
    order = np.argsort(scores, kind="stable")
    _, groups, counts = np.unique(
        scores[order], return_inverse=True, return_counts=True
    )
    shared = np.bincount(groups, weights=weights)[groups] / counts[groups]
    probabilities = np.empty_like(shared)
    probabilities[order] = shared
    return probabilities


def rank_prompt(
    data: ExplorerData,
    prompt_index: int,
    method: str = "MAP",
    k: float = 1.0,
    n: int | None = None,
) -> pd.DataFrame:
    """Rank one prompt's responses by a method's ranking reward.

    Parameters
    ----------
    data : ExplorerData
    prompt_index : int
    method : str
        One of :data:`METHODS` (Ens methods need two proxy seeds).
    k : float
        Penalty strength of the LA methods, ``k >= 0``; unused by MAP and Ens.
    n : int, optional
        Best-of-n size for ``p_pick``; defaults to N.

    Returns
    -------
    pandas.DataFrame
        One row per response, best first (ties in sample order), with columns
        ``rank`` (1 = best), ``sample_index``, ``ranking_reward``, ``proxy``,
        ``gold``, ``sigma``, ``reward_seed_S`` per proxy seed, ``p_pick`` (the
        probability that best-of-n picks it), ``top`` (the best-ranked response,
        which best-of-N picks) and ``gold_best`` (the gold reward's choice).
        ``attrs`` contains the method, k, n and the prompt's expected BoN gold and
        proxy rewards.
    """
    data._check_prompt(prompt_index)
    n = data.n_samples if n is None else bon._check_integer("n", n)
    rewards = method_rewards(data, method, k, [prompt_index])
    scores = rewards["scores"][0]
    gold = np.asarray(data.gold[prompt_index], dtype=np.float64)
    p_pick = pick_probabilities(scores, n)

    samples = np.arange(data.n_samples)
    order = np.lexsort((samples, -scores))
    table = pd.DataFrame(
        {
            "rank": np.arange(1, data.n_samples + 1),
            "sample_index": samples[order],
            "ranking_reward": scores[order],
            "proxy": rewards["proxy"][0][order],
            "gold": gold[order],
            "sigma": rewards["sigma"][0][order],
        }
    )
    for m, seed in enumerate(data.seeds):
        table[f"reward_seed_{seed}"] = data.seed_means[m][prompt_index][order]
    table["p_pick"] = p_pick[order]
    table["top"] = table["rank"] == 1
    table["gold_best"] = table["sample_index"] == int(np.argmax(gold))

    table.attrs.update(
        method=method,
        k=float(k),
        n=n,
        prompt_index=prompt_index,
        expected_gold=float(p_pick @ gold),
        expected_proxy=float(p_pick @ rewards["proxy"][0]),
    )
    return table


def overoptimized(
    data: ExplorerData,
    method: str = "MAP",
    k: float = 1.0,
    standardize: str = "prompt",
    limit: int = 1000,
) -> pd.DataFrame:
    """List the responses the proxy rates far above the gold reward.

    The gap is ``z(proxy) - z(gold)``, with z-scores taken within each prompt
    (``standardize="prompt"``, the comparison best-of-n makes) or over all
    responses (``"all"``). The proxy and σ are those of the method's family: the
    single model for MAP and LA, the (Laplace) ensemble for Ens and LA Ens.

    Parameters
    ----------
    limit : int
        Number of largest gaps returned.

    Returns
    -------
    pandas.DataFrame
        Largest gap first, with the columns of :func:`largest_gaps` and
        :func:`describe_responses`.
    """
    family, _ = parse_method(method, data.n_members)
    rows = largest_gaps(data, family, standardize, limit)
    return describe_responses(data, rows, method, k)


def largest_gaps(
    data: ExplorerData, family: str, standardize: str = "prompt", limit: int = 1000
) -> pd.DataFrame:
    """Find the ``limit`` responses with the largest ``z(proxy) - z(gold)``.

    Returns a DataFrame with columns ``prompt_index``, ``sample_index``, ``proxy``,
    ``gold`` and ``gap``, largest gap first (ties by position).
    """
    if standardize not in STANDARDIZE:
        raise ValueError(
            f"Unknown standardize={standardize!r}; valid values: {list(STANDARDIZE)}."
        )
    if limit < 1:
        raise ValueError(f"limit={limit} is invalid; it must be at least 1.")

    proxy = family_proxy(data, family)
    gold = np.asarray(data.gold, dtype=np.float64)
    axis = 1 if standardize == "prompt" else None
    gap = (_zscore(proxy, axis) - _zscore(gold, axis)).ravel()

    limit = min(limit, gap.size)
    top = np.argpartition(-gap, limit - 1)[:limit]
    top = top[np.lexsort((top, -gap[top]))]
    prompts, samples = np.divmod(top, data.n_samples)
    return pd.DataFrame(
        {
            "prompt_index": prompts,
            "sample_index": samples,
            "proxy": proxy[prompts, samples],
            "gold": gold[prompts, samples],
            "gap": gap[top],
        }
    )


def describe_responses(
    data: ExplorerData, rows: pd.DataFrame, method: str, k: float
) -> pd.DataFrame:
    """Add σ, its percentiles and the within-prompt ranks to a table of responses.

    Parameters
    ----------
    rows : pandas.DataFrame
        Columns ``prompt_index`` and ``sample_index``.

    Returns
    -------
    pandas.DataFrame
        A copy with ``sigma`` (of the method's family), ``sigma_pct`` (percentage
        of all responses with σ at most this one), ``sigma_pct_prompt`` (the same
        within the prompt), ``proxy_rank`` and ``method_rank`` (rank within the
        prompt by the unpenalised proxy and by the method's ranking reward,
        1 = best, ties to the lower sample index).
    """
    family, _ = parse_method(method, data.n_members)
    rows = rows.copy()
    prompts = rows["prompt_index"].to_numpy(dtype=np.int64)
    samples = rows["sample_index"].to_numpy(dtype=np.int64)
    if len(rows) == 0:
        for column in ("sigma", "sigma_pct", "sigma_pct_prompt"):
            rows[column] = np.array([], dtype=np.float64)
        rows["proxy_rank"] = rows["method_rank"] = np.array([], dtype=np.int64)
        return rows

    # Rewards are computed for the prompts of these rows only.
    unique, row_of = np.unique(prompts, return_inverse=True)
    rewards = method_rewards(data, method, k, unique)
    prompt_sigma = rewards["sigma"][row_of]
    sigma = prompt_sigma[np.arange(len(rows)), samples]
    sorted_sigma = data.sorted_sigma(family)

    rows["sigma"] = sigma
    rows["sigma_pct"] = (
        100.0 * np.searchsorted(sorted_sigma, sigma, side="right") / sorted_sigma.size
    )
    rows["sigma_pct_prompt"] = 100.0 * (prompt_sigma <= sigma[:, None]).mean(axis=1)
    rows["proxy_rank"] = _ranks(rewards["proxy"][row_of], samples)
    rows["method_rank"] = _ranks(rewards["scores"][row_of], samples)
    return rows


def with_texts(data: ExplorerData, table: pd.DataFrame, max_chars=300) -> pd.DataFrame:
    """Add a ``response`` column with each row's text, cut to ``max_chars``.

    ``table`` has ``prompt_index`` and ``sample_index`` columns, or is a
    :func:`rank_prompt` result. Only the lines of these rows are read.
    """
    table = table.copy()
    if "prompt_index" in table:
        prompts = table["prompt_index"].tolist()
    else:
        prompts = [table.attrs["prompt_index"]] * len(table)
    texts = []
    for prompt, sample in zip(prompts, table["sample_index"].tolist()):
        text = data.response(int(prompt), int(sample))["response"]
        texts.append(text if len(text) <= max_chars else text[: max_chars - 1] + "…")
    table["response"] = texts
    return table


def _ranks(scores: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """Rank (1 = best) of ``scores[r, samples[r]]`` within each row ``(rows, N)``.

    Ties go to the lower sample index, as in :func:`rank_prompt`.
    """
    value = scores[np.arange(len(samples)), samples][:, None]
    earlier = np.arange(scores.shape[1])[None, :] < samples[:, None]
    better = (scores > value) | ((scores == value) & earlier)
    return 1 + better.sum(axis=1)


def _zscore(values: np.ndarray, axis: int | None) -> np.ndarray:
    mean = values.mean(axis=axis, keepdims=True)
    std = values.std(axis=axis, keepdims=True)
    # A constant prompt has no spread; its z-scores are 0.
    return np.divide(values - mean, std, out=np.zeros_like(values), where=std > 0)


def scatter_sample(n_responses: int, max_points: int, seed: int = 0) -> np.ndarray:
    """Draw flat indices of at most ``max_points`` responses, without replacement."""
    if n_responses <= max_points:
        return np.arange(n_responses)
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n_responses, size=max_points, replace=False))


# ----------------------------------------------------------------------------------
# HTML rendering

# Styles of the explorer's tables and response view, scoped to its container.
STYLE = """<style>
.bayesrm-explorer table {border-collapse: collapse; font-size: 12px;
  font-variant-numeric: tabular-nums}
.bayesrm-explorer th, .bayesrm-explorer td {padding: 2px 8px; text-align: right;
  border-bottom: 1px solid #e0e0e0; white-space: nowrap}
.bayesrm-explorer .text {text-align: left; max-width: 32em; overflow: hidden;
  text-overflow: ellipsis}
.bayesrm-explorer tr.top {background: #e6f4ea}
.bayesrm-explorer tr.gold-best {background: #fff4d6}
.bayesrm-explorer pre {white-space: pre-wrap; word-break: break-word;
  background: #f7f7f7; padding: 6px; margin: 4px 0}
</style>"""


def _display_path(path: Path) -> str:
    """Return ``path`` relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _number(value: float) -> str:
    return f"{value:.3f}"


def _preview(text: str, max_chars: int = 60) -> str:
    text = " ".join(text.split())
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return html.escape(text)


def html_table(header: list[str], rows: list[list[str]], row_classes: list[str]) -> str:
    """Render a table of cells that are already HTML-escaped; the last is text."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header[:-1])
    head += f'<th class="text">{html.escape(header[-1])}</th>'
    body = []
    for cells, row_class in zip(rows, row_classes):
        tds = [f"<td>{cell}</td>" for cell in cells[:-1]]
        tds.append(f'<td class="text">{cells[-1]}</td>')
        body.append(f'<tr class="{row_class}">{"".join(tds)}</tr>')
    return (
        f'<div style="overflow-x:auto"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def render_ranking(table: pd.DataFrame, texts: list[str], seeds) -> str:
    """Render rows of :func:`rank_prompt` with each response's opening words."""
    penalised = table.attrs["method"] not in ("MAP", "Ens")
    header = [
        "rank", "sample", "", f"P(pick), n={table.attrs['n']}",
        "penalised reward" if penalised else "ranking reward", "proxy", "gold", "σ",
        *[f"seed {s}" for s in seeds], "response",
    ]  # fmt: skip
    rows, classes = [], []
    for row in table.itertuples(index=False):
        marked = [("top", row.top), ("gold-best", row.gold_best)]
        marks = []
        if row.top:
            marks.append("▲ BoN top")
        if row.gold_best:
            marks.append("★ gold best")
        members = [_number(getattr(row, f"reward_seed_{s}")) for s in seeds]
        rows.append(
            [
                str(row.rank),
                str(row.sample_index),
                " ".join(marks),
                f"{row.p_pick:.3g}",
                _number(row.ranking_reward),
                _number(row.proxy),
                _number(row.gold),
                _number(row.sigma),
                *members,
                _preview(texts[row.sample_index]),
            ]
        )
        classes.append(" ".join(c for c, on in marked if on))
    return html_table(header, rows, classes)


def render_overoptimized(rows: pd.DataFrame, texts: list[str]) -> str:
    """Render rows of :func:`overoptimized` with each response's opening words."""
    header = [
        "prompt", "sample", "gap", "proxy", "gold", "σ", "σ pct (all)",
        "σ pct (prompt)", "proxy rank", "method rank", "response",
    ]  # fmt: skip
    cells = [
        [
            str(row.prompt_index),
            str(row.sample_index),
            _number(row.gap),
            _number(row.proxy),
            _number(row.gold),
            _number(row.sigma),
            f"{row.sigma_pct:.1f}",
            f"{row.sigma_pct_prompt:.1f}",
            str(row.proxy_rank),
            str(row.method_rank),
            _preview(text),
        ]
        for row, text in zip(rows.itertuples(index=False), texts)
    ]
    return html_table(header, cells, [""] * len(cells))


def render_response(record: dict, scores: dict[str, float]) -> str:
    """Show one response in full: escaped, whitespace and line breaks kept."""
    status = "finished" if record.get("finished") else "cut at max_new_tokens"
    facts = [
        f"prompt {record['prompt_index']}",
        f"sample {record['sample_index']}",
        f"{record.get('n_tokens', '?')} tokens ({status})",
        *[f"{name} {_number(value)}" for name, value in scores.items()],
    ]
    return (
        f"<b>{html.escape(' · '.join(facts))}</b>"
        f"<div>Prompt:</div><pre>{html.escape(record['prompt'])}</pre>"
        f"<div>Response:</div><pre>{html.escape(record['response'])}</pre>"
    )


# ----------------------------------------------------------------------------------
# Widgets


class Pager:
    """Previous/next buttons over ``n_rows`` rows shown ``page_size`` at a time."""

    def __init__(self, page_size: int, on_change):
        import ipywidgets as widgets

        self.page_size = page_size
        self.n_rows = 0
        self.page = 0
        self._on_change = on_change
        self.previous = widgets.Button(
            description="◀ previous", layout={"width": "auto"}
        )
        self.next = widgets.Button(description="next ▶", layout={"width": "auto"})
        self.label = widgets.Label()
        self.previous.on_click(lambda _: self.go(self.page - 1))
        self.next.on_click(lambda _: self.go(self.page + 1))
        self.box = widgets.HBox([self.previous, self.label, self.next])

    @property
    def n_pages(self) -> int:
        return max(1, -(-self.n_rows // self.page_size))

    @property
    def rows(self) -> slice:
        start = self.page * self.page_size
        return slice(start, min(start + self.page_size, self.n_rows))

    def reset(self, n_rows: int, keep_page: bool = False) -> None:
        """Set the number of rows and go to the first page, or stay if asked."""
        self.n_rows = n_rows
        self.page = min(self.page, self.n_pages - 1) if keep_page else 0
        self._update_controls()

    def go(self, page: int) -> None:
        page = min(max(page, 0), self.n_pages - 1)
        if page != self.page:
            self.page = page
            self._update_controls()
            self._on_change()

    def _update_controls(self) -> None:
        rows = self.rows
        self.label.value = (
            f"rows {rows.start + 1}–{rows.stop} of {self.n_rows} "
            f"(page {self.page + 1}/{self.n_pages})"
        )
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.n_pages - 1


class Explorer:
    """Widgets to read a run's best-of-n responses by ranking method.

    Controls tests and notebooks can set: ``prompt_filter`` (text search),
    ``prompt``, ``method``, ``k``, ``n``, ``standardize``, ``row`` and
    ``overoptimized_row``; pagers ``ranking_pager`` and ``overoptimized_pager``.
    Outputs: ``summary_html``, ``table_html``, ``overoptimized_html``,
    ``response_html`` and the plotly ``figure``. Display ``explorer.widget``.

    Parameters
    ----------
    data : ExplorerData
    method : str
        Initial ranking method, one of ``data.methods``.
    k : float
        Initial penalty strength of the LA methods.
    k_max : float
        Upper end of the k slider.
    n : int, optional
        Initial best-of-n size; defaults to N.
    prompt_index : int
        Initial prompt.
    page_size : int
        Rows per table page.
    max_scatter_points : int
        Responses drawn in the scatter plot; larger runs are subsampled.
    overoptimized_limit : int
        Rows of the overoptimization list (largest gaps).
    """

    def __init__(
        self,
        data: ExplorerData,
        method: str = "MAP",
        k: float = 1.0,
        k_max: float = 30.0,
        n: int | None = None,
        prompt_index: int = 0,
        page_size: int = 20,
        max_scatter_points: int = 5000,
        overoptimized_limit: int = 1000,
    ):
        import ipywidgets as widgets

        parse_method(method, data.n_members)
        if not 0 <= k <= k_max:
            raise ValueError(
                f"k={k} or k_max={k_max} is invalid; the slider needs 0 <= k <= k_max."
            )
        n = data.n_samples if n is None else bon._check_integer("n", n)
        if not 1 <= n <= data.n_samples:
            raise ValueError(
                f"n={n} is invalid for N={data.n_samples} sampled responses per "
                "prompt; best-of-n needs 1 <= n <= N."
            )
        data._check_prompt(prompt_index)
        for name, value in [
            ("page_size", page_size),
            ("max_scatter_points", max_scatter_points),
            ("overoptimized_limit", overoptimized_limit),
        ]:
            if value < 1:
                raise ValueError(f"{name}={value} is invalid; it must be at least 1.")

        self.data = data
        self.max_scatter_points = max_scatter_points
        self.overoptimized_limit = overoptimized_limit
        self.ranking = pd.DataFrame()
        self.gaps = pd.DataFrame()
        self._gaps: dict[tuple[str, str], pd.DataFrame] = {}
        self._setting_options = False
        self.shown_response: tuple[int, int] | None = None
        self._titles = data.prompt_titles()

        self.prompt_filter = widgets.Text(
            placeholder="words in the prompt", description="search"
        )
        self.prompt = widgets.Dropdown(
            options=self._prompt_options(""),
            value=prompt_index,
            description="prompt",
            layout={"width": "60em"},
        )
        self.method = widgets.Dropdown(
            options=data.methods, value=method, description="method"
        )
        self.k = widgets.FloatSlider(
            value=k, min=0.0, max=k_max, step=k_max / 300, description="k",
            continuous_update=False, readout_format=".2f",
        )  # fmt: skip
        self.n = widgets.IntSlider(
            value=n, min=1, max=data.n_samples, description="n",
            continuous_update=False,
        )  # fmt: skip
        self.prompt_html = widgets.HTML()
        self.summary_html = widgets.HTML()
        self.table_html = widgets.HTML()
        self.ranking_pager = Pager(page_size, self._render_ranking)
        self.row = widgets.Dropdown(description="show", layout={"width": "30em"})

        self.standardize = widgets.Dropdown(
            options=[("z-score within prompt", "prompt"), ("z-score over all", "all")],
            description="gap",
        )
        self.overoptimized_html = widgets.HTML()
        self.overoptimized_pager = Pager(page_size, self._render_overoptimized)
        self.overoptimized_row = widgets.Dropdown(
            description="show", layout={"width": "30em"}
        )

        self.response_html = widgets.HTML()
        self.figure = self._build_figure()
        self.widget = self._layout(widgets)

        self.prompt_filter.observe(self._on_filter, names="value")
        self.prompt.observe(self._on_prompt, names="value")
        self.method.observe(self._on_method, names="value")
        self.k.observe(self._on_penalty, names="value")
        self.n.observe(lambda _: self._refresh_ranking(keep_page=True), names="value")
        self.standardize.observe(lambda _: self._refresh_overoptimized(), names="value")
        self.row.observe(self._on_row, names="value")
        self.overoptimized_row.observe(self._on_row, names="value")

        self.k.disabled = METHODS[method][1] == "none"
        self._show_prompt()
        self._refresh_ranking()
        self._refresh_overoptimized()
        self._refresh_figure()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    # Layout

    def _layout(self, widgets):
        n_responses = self.data.n_prompts * self.data.n_samples
        run_dir = html.escape(_display_path(self.data.run_dir))
        header = widgets.HTML(
            f"{STYLE}<b>{run_dir}</b>: {self.data.n_prompts} prompts × "
            f"{self.data.n_samples} responses, proxy seeds {list(self.data.seeds)}. "
            f"MAP and LA use seed {self.data.seeds[0]}."
        )

        ranking = widgets.VBox(
            [self.summary_html, self.ranking_pager.box, self.table_html, self.row]
        )
        overoptimized = widgets.VBox(
            [
                widgets.HTML(
                    f"The {min(self.overoptimized_limit, n_responses)} responses "
                    "with the largest gap z(proxy) − z(gold), for the method's "
                    "proxy. A high σ percentile means the Laplace uncertainty "
                    "flagged the response, and the method rank shows where the ranking "
                    "reward put it within its prompt."
                ),
                self.standardize,
                self.overoptimized_pager.box,
                self.overoptimized_html,
                self.overoptimized_row,
            ]
        )

        self.tabs = widgets.Tab(
            [ranking, overoptimized, self.figure],
            titles=["Ranked responses", "Overoptimized", "Proxy vs gold"],
        )
        controls = widgets.VBox(
            [
                widgets.HBox([self.prompt_filter, self.prompt]),
                widgets.HBox([self.method, self.k, self.n]),
            ]
        )
        box = widgets.VBox(
            [header, controls, self.prompt_html, self.tabs, self.response_html]
        )

        # CSS classes that STYLE and the browser test select by.
        box.add_class("bayesrm-explorer")
        for name in ("prompt_filter", "prompt", "method", "k", "n", "row"):
            getattr(self, name).add_class(f"bayesrm-{name.replace('_', '-')}")
        self.table_html.add_class("bayesrm-table")
        self.overoptimized_html.add_class("bayesrm-overoptimized")
        self.response_html.add_class("bayesrm-response")
        return box

    def _prompt_options(self, query: str) -> list[tuple[str, int]]:
        words = query.lower().split()
        return [
            (title, index)
            for index, title in enumerate(self._titles)
            if all(word in title.lower() for word in words)
        ]

    # Callbacks

    def _on_filter(self, change) -> None:
        current = self.prompt.value
        options = self._prompt_options(change["new"])
        with self.prompt.hold_trait_notifications():
            self.prompt.options = options
            if current in [index for _, index in options]:
                self.prompt.value = current

    def _on_prompt(self, change) -> None:
        if change["new"] is None:
            self.summary_html.value = "No prompt matches the search."
            return
        self._show_prompt()
        self._refresh_ranking()
        self._refresh_figure_prompt()

    def _on_method(self, change) -> None:
        self.k.disabled = METHODS[change["new"]][1] == "none"
        self._refresh_ranking(keep_page=True)
        self._refresh_overoptimized()
        if METHODS[change["new"]][0] != METHODS[change["old"]][0]:
            self._refresh_figure()

    def _on_penalty(self, _) -> None:
        if not self.k.disabled:
            self._refresh_ranking(keep_page=True)
            self._render_overoptimized()

    def _on_row(self, change) -> None:
        if self._setting_options or change["new"] is None:
            return
        self.show_response(*change["new"])

    def on_scatter_click(self, trace, points, selector=None) -> None:
        """Show the response of the first clicked point (plotly ``on_click``)."""
        if not points.point_inds:
            return
        point = points.point_inds[0]
        if trace.name == "selected prompt":
            self.show_response(self.prompt.value, int(self.prompt_scatter_index[point]))
        else:
            prompt, sample = divmod(int(self.scatter_index[point]), self.data.n_samples)
            self.show_response(prompt, sample)

    # Views

    def _show_prompt(self) -> None:
        text = html.escape(self.data.prompt_text(self.prompt.value))
        self.prompt_html.value = (
            f'<div style="white-space:pre-wrap"><b>Prompt {self.prompt.value}:</b> '
            f"{text}</div>"
        )

    def _refresh_ranking(self, keep_page: bool = False) -> None:
        if self.prompt.value is None:
            return
        self.ranking = rank_prompt(
            self.data, self.prompt.value, self.method.value, self.k.value, self.n.value
        )
        self.ranking_pager.reset(len(self.ranking), keep_page)
        self.summary_html.value = self._summary()
        self._render_ranking()

    def _summary(self) -> str:
        table, attrs = self.ranking, self.ranking.attrs
        top = table.iloc[0]
        best = table[table["gold_best"]].iloc[0]
        penalty = "" if METHODS[attrs["method"]][1] == "none" else f", k={attrs['k']:g}"
        return (
            f"<b>{html.escape(attrs['method'])}{penalty}</b>. Best-of-{attrs['n']} "
            f"of this prompt: expected gold reward {_number(attrs['expected_gold'])}, "
            f"expected proxy reward {_number(attrs['expected_proxy'])}. "
            f"▲ BoN top (picked at n={len(table)}): sample {top.sample_index}, gold "
            f"{_number(top.gold)}. ★ Gold best: sample {best.sample_index}, gold "
            f"{_number(best.gold)}, rank {best['rank']}. P(pick) is the chance that "
            f"the response is the best of n random draws."
        )

    def _render_ranking(self) -> None:
        page = self.ranking.iloc[self.ranking_pager.rows]
        texts = [r["response"] for r in self.data.responses(self.prompt.value)]
        self.table_html.value = render_ranking(page, texts, self.data.seeds)

        # Keep showing the chosen response while it is on the page, otherwise show
        # the page's first row.
        prompt, samples = self.prompt.value, page["sample_index"].tolist()
        self._set_options(
            self.row,
            [
                (f"rank {r}: sample {s}", (prompt, s))
                for r, s in zip(page["rank"], samples)
            ],
        )
        response = self.shown_response
        if response is None or response[0] != prompt or response[1] not in samples:
            response = (prompt, samples[0])
        self.show_response(*response)

    def _refresh_overoptimized(self) -> None:
        family = METHODS[self.method.value][0]
        key = (proxy_kind(family), self.standardize.value)
        if key not in self._gaps:
            self._gaps[key] = largest_gaps(
                self.data, family, self.standardize.value, self.overoptimized_limit
            )
        if self._gaps[key] is not self.gaps:
            self.gaps = self._gaps[key]
            self.overoptimized_pager.reset(len(self.gaps))
        self._render_overoptimized()

    def _render_overoptimized(self) -> None:
        # Scores and texts are computed and read for the visible page only.
        page = describe_responses(
            self.data,
            self.gaps.iloc[self.overoptimized_pager.rows],
            self.method.value,
            self.k.value,
        )
        texts = [
            self.data.response(p, j)["response"]
            for p, j in zip(page["prompt_index"], page["sample_index"])
        ]
        self.overoptimized_page = page
        self.overoptimized_html.value = render_overoptimized(page, texts)
        options = [
            (f"prompt {p}, sample {j}", (int(p), int(j)))
            for p, j in zip(page["prompt_index"], page["sample_index"])
        ]
        self._set_options(self.overoptimized_row, options)
        if self.shown_response is not None:
            self._select_row(self.overoptimized_row, self.shown_response)

    def _set_options(self, dropdown, options) -> None:
        # Replacing the options selects the first one, which is no user choice.
        self._setting_options = True
        try:
            dropdown.options = [("choose a row", None), *options]
            dropdown.value = None
        finally:
            self._setting_options = False

    def _select_row(self, dropdown, response: tuple[int, int]) -> None:
        """Select ``response`` in a row chooser if it lists it, else the blank."""
        self._setting_options = True
        try:
            listed = [value for _, value in dropdown.options]
            dropdown.value = response if response in listed else None
        finally:
            self._setting_options = False

    def show_response(self, prompt_index: int, sample_index: int) -> None:
        """Show one response in full below the tabs."""
        self.shown_response = (prompt_index, sample_index)
        self._select_row(self.row, self.shown_response)
        self._select_row(self.overoptimized_row, self.shown_response)
        record = self.data.response(prompt_index, sample_index)
        rewards = method_rewards(
            self.data, self.method.value, self.k.value, [prompt_index]
        )
        scores = {
            "ranking reward": rewards["scores"][0, sample_index],
            "proxy": rewards["proxy"][0, sample_index],
            "gold": float(self.data.gold[prompt_index, sample_index]),
            "σ": rewards["sigma"][0, sample_index],
        }
        self.response_html.value = render_response(record, scores)
        self.figure.data[2].update(x=[scores["proxy"]], y=[scores["gold"]])

    # Scatter plot

    def _build_figure(self):
        import plotly.graph_objects as go

        n_responses = self.data.n_prompts * self.data.n_samples
        self.scatter_index = scatter_sample(n_responses, self.max_scatter_points)
        shown = (
            f"all {n_responses:,} responses"
            if len(self.scatter_index) == n_responses
            else f"{len(self.scatter_index):,} of {n_responses:,} responses, a "
            "uniform random subsample"
        )
        figure = go.FigureWidget(
            data=[
                go.Scatter(
                    name="responses",
                    mode="markers",
                    marker={
                        "size": 5,
                        "colorscale": "Viridis",
                        "showscale": True,
                        "colorbar": {"title": {"text": "σ"}},
                    },
                ),
                go.Scatter(
                    name="selected prompt",
                    mode="markers",
                    marker={
                        "size": 9,
                        "color": "rgba(0,0,0,0)",
                        "line": {"color": "crimson", "width": 1.5},
                    },
                ),
                go.Scatter(
                    name="shown response",
                    mode="markers",
                    marker={
                        "size": 16,
                        "symbol": "star",
                        "color": "orange",
                        "line": {"color": "black", "width": 1},
                    },
                ),
            ],
            layout={
                "title": {"text": f"Proxy vs gold reward ({shown}); click a point"},
                "xaxis": {"title": {"text": "proxy reward"}},
                "yaxis": {"title": {"text": "gold reward"}},
                "width": 820,
                "height": 520,
                "legend": {"orientation": "h", "y": -0.15},
            },
        )
        figure.data[0].on_click(self.on_scatter_click)
        figure.data[1].on_click(self.on_scatter_click)
        return figure

    def _refresh_figure(self) -> None:
        family = METHODS[self.method.value][0]
        points = np.divmod(self.scatter_index, self.data.n_samples)
        if proxy_kind(family) == "single":
            label = f"seed {self.data.seeds[0]}"
        else:
            label = "ensemble mean"
        with self.figure.batch_update():
            self.figure.data[0].update(
                x=family_proxy(self.data, family, points),
                y=self.data.gold[points],
                marker={"color": family_sigma(self.data, family, points)},
            )
            self.figure.layout.xaxis.title.text = f"proxy reward ({label})"
            self._refresh_figure_prompt()

    def _refresh_figure_prompt(self) -> None:
        family = METHODS[self.method.value][0]
        self.prompt_scatter_index = scatter_sample(
            self.data.n_samples, self.max_scatter_points
        )
        points = (self.prompt.value, self.prompt_scatter_index)
        self.figure.data[1].update(
            x=family_proxy(self.data, family, points), y=self.data.gold[points]
        )
