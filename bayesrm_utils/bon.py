"""Best-of-n (BoN) evaluation of reward models with uncertainty penalties.

A fixed pool of ``N`` responses per prompt is sampled once from the reference
policy. For each ``n <= N`` the expected evaluation reward of the response that a
ranking reward picks out of ``n`` draws is computed exactly over all ``C(N, n)``
subsets of the pool (the unbiased estimator of Nakano et al., 2021, "WebGPT"). With
the pool sorted ascending by the ranking reward, the ``i``-th response (1-based) is
the best of a random ``n``-subset with probability ``C(i - 1, n - 1) / C(N, n)``.
The degree of optimisation is reported as the analytic BoN KL divergence
``log n - (n - 1) / n`` (Stiennon et al., 2020).

Ranking rewards are the MAP reward, the Laplace-penalised rewards
``r - k * sqrt(var)`` (``"std"``) and ``r - k * var`` (``"var"``), the ensemble mean
over reward-model seeds, and the Laplace ensemble whose mean is the mean of the
member means and whose variance is ``sum(var_i) / m**2``.

Example
-------
>>> rewards = ranking_rewards(member_means, member_vars, ks=[1, 3])
>>> table = bon_table(rewards, {"gold": gold}, ns=[1, 2, 4, 8])
>>> normalized = normalize_bon_table(table)
"""

from __future__ import annotations

import logging
import math
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

logger = logging.getLogger(__name__)

PENALTIES = ("std", "var")
FAMILIES = ("MAP", "LA", "Ens", "LA Ens")

# Negative variances down to -NEGATIVE_VAR_RTOL * max(1, max|var|) are treated as
# floating-point round-off of a true zero and clipped to 0.
NEGATIVE_VAR_RTOL = 1e-12


# ---------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------


def _check_finite(name: str, values: np.ndarray, axes: str = "") -> None:
    """Raise a ValueError naming the first NaN or inf entry of ``values``.

    ``axes`` names the index axes in the message, e.g. ``"(prompt, response)"``.
    """
    finite = np.isfinite(values)
    if finite.all():
        return

    position = tuple(int(i) for i in np.argwhere(~finite)[0])
    raise ValueError(
        f"{name} contains a non-finite value {float(values[position])} at "
        f"{axes + ' ' if axes else ''}index {position}; remove or re-score that "
        "response before the BoN evaluation."
    )


def _as_score_matrix(name: str, values, shape: tuple[int, ...] | None = None):
    """Return ``values`` as a finite float64 array of shape ``(n_prompts, N)``."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 2:
        raise ValueError(
            f"{name} must have shape (n_prompts, N), got shape {array.shape}; "
            "use values[None, :] for a single prompt."
        )
    if 0 in array.shape:
        raise ValueError(
            f"{name} has shape {array.shape}: it needs at least one prompt and one "
            "response."
        )
    if shape is not None and array.shape != shape:
        raise ValueError(
            f"{name} has shape {array.shape} but the ranking reward has shape "
            f"{shape}; every score array must cover the same prompts and responses."
        )

    _check_finite(name, array, "(prompt, response)")
    return array


def _check_ns(ns, n_responses: int) -> np.ndarray:
    """Return ``ns`` as a 1-D int array after checking ``1 <= n <= N``."""
    ns_array = np.atleast_1d(np.asarray(ns))
    if ns_array.ndim != 1 or ns_array.size == 0:
        raise ValueError(f"ns must be a non-empty 1-D sequence, got {ns!r}.")
    if not np.all(np.equal(np.mod(ns_array, 1), 0)):
        raise ValueError(f"ns must contain integers, got {ns_array.tolist()}.")

    ns_array = ns_array.astype(np.int64)
    for n in ns_array:
        _check_n(int(n), n_responses)
    return ns_array


def _check_integer(name: str, value) -> int:
    """Return ``value`` as an int, rejecting fractions such as 2.5 instead of
    truncating them."""
    is_number = isinstance(value, numbers.Real) and not isinstance(value, bool)
    if not (is_number and math.isfinite(value) and float(value) == int(value)):
        raise ValueError(f"{name}={value!r} is invalid; it must be an integer.")
    return int(value)


def _check_n(n: int, n_responses: int) -> None:
    if n < 1 or n > n_responses:
        raise ValueError(
            f"n={n} is invalid for N={n_responses} sampled responses per prompt; "
            "best-of-n needs 1 <= n <= N."
        )


def _check_k(k: float) -> float:
    k = float(k)
    if not np.isfinite(k) or k < 0:
        raise ValueError(
            f"Penalty strength k={k} is invalid; k must be a finite number >= 0 "
            "(k=0 gives the unpenalised reward)."
        )
    return k


def _check_penalty(penalty: str) -> None:
    if penalty not in PENALTIES:
        raise ValueError(
            f"Unknown penalty {penalty!r}; valid values are {list(PENALTIES)}."
        )


def _check_variance(name: str, var: np.ndarray) -> np.ndarray:
    """Return ``var`` with round-off negatives clipped to 0.

    Raises a ValueError for non-finite values and for negative values below
    ``-NEGATIVE_VAR_RTOL * max(1, max|var|)``.
    """
    _check_finite(name, var)
    if var.size == 0 or var.min() >= 0:
        return var

    tolerance = NEGATIVE_VAR_RTOL * max(1.0, float(np.abs(var).max()))
    if var.min() < -tolerance:
        position = tuple(int(i) for i in np.unravel_index(np.argmin(var), var.shape))
        raise ValueError(
            f"{name} has a negative variance {float(var[position]):.3g} at position "
            f"{position} (tolerance {tolerance:.3g}); check the Laplace posterior "
            "precision, which must be positive definite."
        )
    return np.clip(var, 0.0, None)


# ---------------------------------------------------------------------------
# BoN estimator
# ---------------------------------------------------------------------------


def kl_bon(n):
    """Compute the analytic KL divergence of best-of-n from the reference policy.

    ``KL_bon(n) = log n - (n - 1) / n`` (Stiennon et al., 2020). It is an upper
    bound on the true KL (Beirami et al., 2024).

    Parameters
    ----------
    n : int, float or array_like
        Number of samples, ``n >= 1``. Real values are accepted.

    Returns
    -------
    float or ndarray
        KL in nats, a float for scalar input, otherwise an array of ``n``'s shape.
    """
    n_array = np.asarray(n, dtype=np.float64)
    if not np.all(np.isfinite(n_array)) or np.any(n_array < 1):
        raise ValueError(f"kl_bon needs n >= 1, got {n!r}.")

    kl = np.log(n_array) - (n_array - 1.0) / n_array
    if kl.ndim == 0:
        return float(kl)
    return kl


def bon_weights(N: int, n: int) -> np.ndarray:
    """Compute the BoN estimator weights of the ``N`` ascending-sorted responses.

    Entry ``i - 1`` is ``C(i - 1, n - 1) / C(N, n)``, the probability that the
    ``i``-th smallest (1-based) of ``N`` responses is the largest of a uniformly
    random ``n``-subset. The weights are built top-down with the ratio
    ``w[i - 1] / w[i] = (i - n) / (i - 1)`` from ``w[N] = n / N``, which stays
    accurate in float64 for any ``n <= N`` (tested up to ``N = 12_500``). Weights
    below the float64 range underflow to 0.

    Parameters
    ----------
    N : int
        Number of sampled responses per prompt.
    n : int
        Number of responses in each best-of-n draw, ``1 <= n <= N``.

    Returns
    -------
    ndarray of shape (N,)
        Non-negative weights that sum to 1, zero for the first ``n - 1`` entries.
    """
    N = _check_integer("N", N)
    n = _check_integer("n", n)
    if N < 1:
        raise ValueError(f"N={N} is invalid; there must be at least one response.")
    _check_n(n, N)

    weights = np.zeros(N, dtype=np.float64)

    # ratios[j] links rank i = N - j to rank i - 1, for i = N, ..., n + 1.
    ranks = np.arange(N, n, -1, dtype=np.float64)
    ratios = (ranks - n) / (ranks - 1.0)
    top_down = (n / N) * np.concatenate(([1.0], np.cumprod(ratios)))

    weights[n - 1 :] = top_down[::-1]
    return weights


def bon_weight_matrix(N: int, ns: Sequence[int]) -> np.ndarray:
    """Stack :func:`bon_weights` for several ``n`` into a ``(len(ns), N)`` matrix."""
    ns_array = _check_ns(ns, int(N))
    return np.stack([bon_weights(N, int(n)) for n in ns_array])


@dataclass
class BonEstimate:
    """BoN estimate of one evaluation reward for several ``n``.

    Attributes
    ----------
    ns : ndarray of shape (len(ns),)
        Best-of-n sizes.
    mean : ndarray of shape (len(ns),)
        Expected evaluation reward of the picked response, averaged over prompts.
    sem : ndarray of shape (len(ns),)
        Standard error of ``mean`` over prompts (sample std with ``ddof=1``
        divided by ``sqrt(n_prompts)``), NaN when there is a single prompt.
    per_prompt : ndarray of shape (len(ns), n_prompts)
        Exact expectation for each prompt.
    """

    ns: np.ndarray
    mean: np.ndarray
    sem: np.ndarray
    per_prompt: np.ndarray


def _sort_with_tie_groups(rank_scores: np.ndarray):
    """Argsort each row and find the tied groups among the sorted scores.

    Returns the sort order ``(n_prompts, N)`` and, when any row has ties, a flat
    group id per sorted entry (``None`` otherwise).
    """
    order = np.argsort(rank_scores, axis=1)
    sorted_scores = np.take_along_axis(rank_scores, order, axis=1)

    starts_group = np.ones(sorted_scores.shape, dtype=bool)
    starts_group[:, 1:] = sorted_scores[:, 1:] != sorted_scores[:, :-1]
    if starts_group.all():
        return order, None

    group_ids = np.cumsum(starts_group.ravel()) - 1
    return order, group_ids


def _sorted_eval(eval_scores, order, group_ids) -> np.ndarray:
    """Sort eval scores by ``order`` and replace each tied group by its mean."""
    sorted_eval = np.take_along_axis(eval_scores, order, axis=1)
    if group_ids is None:
        return sorted_eval

    flat = sorted_eval.ravel()
    group_sums = np.bincount(group_ids, weights=flat)
    group_sizes = np.bincount(group_ids)
    return (group_sums / group_sizes)[group_ids].reshape(sorted_eval.shape)


def _estimate_from_sorted(sorted_eval, weight_matrix, ns) -> BonEstimate:
    # This orientation ran about 7x faster than weight_matrix @ sorted_eval.T with
    # numpy 2.4's OpenBLAS on a 2-core x86-64 CPU.
    per_prompt = (sorted_eval @ weight_matrix.T).T
    n_prompts = sorted_eval.shape[0]

    mean = per_prompt.mean(axis=1)
    if n_prompts > 1:
        sem = per_prompt.std(axis=1, ddof=1) / np.sqrt(n_prompts)
    else:
        sem = np.full(len(ns), np.nan)
    return BonEstimate(ns=ns, mean=mean, sem=sem, per_prompt=per_prompt)


def bon_estimate(rank_scores, eval_scores, ns):
    """Estimate the expected evaluation reward of best-of-n for each ``n``.

    Each prompt's ``N`` responses are sorted by ``rank_scores`` and the unbiased
    estimator ``sum_i C(i - 1, n - 1) / C(N, n) * eval[i]`` is averaged over
    prompts. The evaluation score used is always that of the response the ranking
    reward picks.

    Ties in ``rank_scores`` are broken uniformly at random, in expectation: the
    estimate equals the mean over all ``C(N, n)`` subsets where each subset picks
    uniformly among its tied maxima. The evaluation scores of each group of equal
    rank scores are replaced by the group mean before the weights are applied.
    This is exact because a uniformly random order within the group puts each
    member at each of the group's sorted positions with equal probability.

    Parameters
    ----------
    rank_scores : array_like of shape (n_prompts, N)
        Ranking reward of every sampled response.
    eval_scores : array_like of shape (n_prompts, N), or a mapping of them
        Evaluation reward(s), e.g. ``{"proxy": proxy, "gold": gold}``. One sort of
        ``rank_scores`` serves all of them.
    ns : sequence of int
        Best-of-n sizes, each ``1 <= n <= N``.

    Returns
    -------
    BonEstimate or dict of str to BonEstimate
        One estimate per evaluation reward, keyed like ``eval_scores`` when it is a
        mapping.
    """
    rank_scores = _as_score_matrix("rank_scores", rank_scores)
    n_responses = rank_scores.shape[1]
    ns_array = _check_ns(ns, n_responses)

    is_mapping = isinstance(eval_scores, Mapping)
    named = dict(eval_scores) if is_mapping else {"eval_scores": eval_scores}
    if not named:
        raise ValueError("eval_scores is an empty mapping; pass at least one array.")
    named = {
        name: _as_score_matrix(
            name if not is_mapping else f"eval_scores[{name!r}]",
            values,
            rank_scores.shape,
        )
        for name, values in named.items()
    }

    weight_matrix = bon_weight_matrix(n_responses, ns_array)
    order, group_ids = _sort_with_tie_groups(rank_scores)
    estimates = {
        name: _estimate_from_sorted(
            _sorted_eval(values, order, group_ids), weight_matrix, ns_array
        )
        for name, values in named.items()
    }

    if is_mapping:
        return estimates
    return estimates["eval_scores"]


# ---------------------------------------------------------------------------
# Penalised and ensemble rewards
# ---------------------------------------------------------------------------


def penalized_reward(mean, var, k: float, penalty: str) -> np.ndarray:
    """Penalise a reward by its Laplace predictive uncertainty.

    ``"std"`` returns ``mean - k * sqrt(var)`` and ``"var"`` returns
    ``mean - k * var``. Negative variances within round-off
    (``-1e-12 * max(1, max|var|)``) are clipped to 0 first.

    Parameters
    ----------
    mean : array_like of shape (...)
        MAP reward ``r(x, y)``.
    var : array_like of shape (...)
        Variance ``Lambda(x, y)`` of the linearised predictive, same shape.
    k : float
        Penalty strength, ``k >= 0``.
    penalty : {"std", "var"}
        Which penalty to apply.

    Returns
    -------
    ndarray of shape (...)
        Penalised reward.
    """
    _check_penalty(penalty)
    k = _check_k(k)
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    if mean.shape != var.shape:
        raise ValueError(
            f"mean has shape {mean.shape} but var has shape {var.shape}; pass one "
            "variance per reward."
        )
    _check_finite("mean", mean)
    var = _check_variance("var", var)

    return _penalize(mean, var, k, penalty)


def _penalize(mean, var, k, penalty):
    if penalty == "std":
        return mean - k * np.sqrt(var)
    return mean - k * var


def ensemble_mean(member_rewards) -> np.ndarray:
    """Average rewards over ensemble members.

    Parameters
    ----------
    member_rewards : array_like of shape (m, ...)
        Reward of each of the ``m`` members.

    Returns
    -------
    ndarray of shape (...)
    """
    member_rewards = np.asarray(member_rewards, dtype=np.float64)
    if member_rewards.ndim < 1 or member_rewards.shape[0] < 1:
        raise ValueError(
            f"member_rewards must have shape (m, ...) with m >= 1, got shape "
            f"{member_rewards.shape}."
        )
    return member_rewards.mean(axis=0)


def _check_members(member_means, member_vars):
    member_means = np.asarray(member_means, dtype=np.float64)
    member_vars = np.asarray(member_vars, dtype=np.float64)
    if member_means.ndim < 1 or member_means.shape[0] < 1:
        raise ValueError(
            f"member_means must have shape (m, ...) with m >= 1, got shape "
            f"{member_means.shape}."
        )
    if member_means.shape != member_vars.shape:
        raise ValueError(
            f"member_means has shape {member_means.shape} but member_vars has "
            f"shape {member_vars.shape}; pass one variance per member reward."
        )

    _check_finite("member_means", member_means)
    member_vars = _check_variance("member_vars", member_vars)
    return member_means, member_vars


def laplace_ensemble(member_means, member_vars) -> tuple[np.ndarray, np.ndarray]:
    """Combine independent Laplace reward posteriors of ``m`` ensemble members.

    The average of ``m`` independent Gaussians ``N(mean_i, var_i)`` is Gaussian
    with mean ``sum(mean_i) / m`` and variance ``sum(var_i) / m**2``.

    Parameters
    ----------
    member_means : array_like of shape (m, ...)
        MAP reward of each member.
    member_vars : array_like of shape (m, ...)
        Laplace variance of each member's reward.

    Returns
    -------
    mean : ndarray of shape (...)
    var : ndarray of shape (...)
    """
    member_means, member_vars = _check_members(member_means, member_vars)
    m = member_means.shape[0]
    return member_means.mean(axis=0), member_vars.sum(axis=0) / m**2


def ensemble_penalized_reward(member_means, member_vars, k: float, penalty: str):
    """Penalise the ensemble mean reward by the Laplace ensemble uncertainty.

    ``"std"`` returns ``mean(r_i) - (k / m) * sqrt(sum(var_i))`` and ``"var"``
    returns ``mean(r_i) - (k / m**2) * sum(var_i)``. Both equal
    :func:`penalized_reward` applied to the output of :func:`laplace_ensemble`.

    Parameters
    ----------
    member_means : array_like of shape (m, ...)
    member_vars : array_like of shape (m, ...)
    k : float
        Penalty strength, ``k >= 0``.
    penalty : {"std", "var"}

    Returns
    -------
    ndarray of shape (...)
    """
    _check_penalty(penalty)
    k = _check_k(k)
    member_means, member_vars = _check_members(member_means, member_vars)

    m = member_means.shape[0]
    return _penalize_ensemble(
        member_means.mean(axis=0), member_vars.sum(axis=0), m, k, penalty
    )


def _penalize_ensemble(mean, total_var, m, k, penalty):
    if penalty == "std":
        return mean - (k / m) * np.sqrt(total_var)
    return mean - (k / m**2) * total_var


# ---------------------------------------------------------------------------
# Method tables
# ---------------------------------------------------------------------------


@dataclass
class RankingReward:
    """Ranking reward of one BoN method.

    Attributes
    ----------
    name : str
        Display name, e.g. ``"LA Ens var k=3"``.
    family : str
        One of ``"MAP"``, ``"LA"``, ``"Ens"``, ``"LA Ens"``.
    penalty : str
        ``"std"``, ``"var"``, or ``"none"`` for unpenalised rewards.
    k : float
        Penalty strength, 0 for unpenalised rewards.
    scores : ndarray of shape (n_prompts, N)
        Reward that ranks the responses.
    proxy : ndarray of shape (n_prompts, N)
        Unpenalised proxy reward of the method, used as its "proxy" evaluation:
        the reference member's MAP reward for MAP and LA, the ensemble mean for
        Ens and LA Ens.
    """

    name: str
    family: str
    penalty: str
    k: float
    scores: np.ndarray
    proxy: np.ndarray


def _format_k(k: float) -> str:
    return f"{k:g}"


def ranking_rewards(
    member_means,
    member_vars=None,
    ks: Sequence[float] = (),
    *,
    penalties: Sequence[str] = PENALTIES,
    reference_member: int = 0,
) -> dict[str, RankingReward]:
    """Build the ranking reward of every BoN method from scored responses.

    Methods, in order: ``"MAP"`` (reference member), ``"LA {penalty} k={k}"``
    (reference member with its Laplace penalty), and, when there are at least two
    members, ``"Ens"`` (mean over members) and ``"LA Ens {penalty} k={k}"``.
    Laplace methods need ``member_vars``.

    Parameters
    ----------
    member_means : array_like of shape (m, n_prompts, N)
        MAP reward of each proxy reward-model seed.
    member_vars : array_like of shape (m, n_prompts, N), optional
        Laplace variance of each member's reward.
    ks : sequence of float
        Penalty strengths, each ``>= 0``.
    penalties : sequence of {"std", "var"}
        Penalties to build for every ``k``.
    reference_member : int
        Member used by the single-model methods MAP and LA.

    Returns
    -------
    dict of str to RankingReward
        Insertion-ordered by method.
    """
    member_means = np.asarray(member_means, dtype=np.float64)
    if member_means.ndim != 3:
        raise ValueError(
            f"member_means must have shape (m, n_prompts, N), got shape "
            f"{member_means.shape}; use member_means[None] for a single model."
        )
    m = member_means.shape[0]
    if not 0 <= reference_member < m:
        raise ValueError(
            f"reference_member={reference_member} is out of range for m={m} members."
        )
    if isinstance(penalties, str):
        raise ValueError(
            f"penalties={penalties!r} is a string; pass a sequence such as "
            f"[{penalties!r}]."
        )
    for penalty in penalties:
        _check_penalty(penalty)
    ks = [_check_k(k) for k in ks]
    if ks and member_vars is None:
        raise ValueError(
            f"Penalties with ks={ks} need member_vars; pass the Laplace variances "
            "or ks=()."
        )

    if member_vars is None:
        _check_finite("member_means", member_means, "(member, prompt, response)")
    else:
        member_means, member_vars = _check_members(member_means, member_vars)

    rewards: dict[str, RankingReward] = {}

    def add(family, penalty, k, scores, proxy):
        name = family
        if penalty != "none":
            name = f"{family} {penalty} k={_format_k(k)}"
        rewards[name] = RankingReward(name, family, penalty, k, scores, proxy)

    # Inputs are checked above, so the loops use the unchecked penalty formulas.
    map_reward = member_means[reference_member]
    add("MAP", "none", 0.0, map_reward, map_reward)
    for penalty in penalties:
        for k in ks:
            scores = _penalize(map_reward, member_vars[reference_member], k, penalty)
            add("LA", penalty, k, scores, map_reward)

    if m < 2:
        logger.info("One reward-model member: skipping the Ens and LA Ens methods.")
        return rewards

    ens_reward = ensemble_mean(member_means)
    add("Ens", "none", 0.0, ens_reward, ens_reward)
    if ks:
        total_var = member_vars.sum(axis=0)
    for penalty in penalties:
        for k in ks:
            scores = _penalize_ensemble(ens_reward, total_var, m, k, penalty)
            add("LA Ens", penalty, k, scores, ens_reward)
    return rewards


TABLE_COLUMNS = [
    "method",
    "family",
    "penalty",
    "k",
    "n",
    "kl",
    "eval",
    "mean",
    "sem",
    "ref_mean",
    "ref_std",
]


def bon_table(
    ranking_rewards: Mapping[str, RankingReward],
    eval_scores: Mapping[str, np.ndarray],
    ns: Sequence[int],
) -> pd.DataFrame:
    """Evaluate every method's best-of-n policy into a long-format table.

    Each method is evaluated under its own unpenalised proxy reward (``eval ==
    "proxy"``, see :class:`RankingReward`) and under every reward in
    ``eval_scores`` (e.g. ``"gold"``).

    Parameters
    ----------
    ranking_rewards : mapping of str to RankingReward
        Output of :func:`ranking_rewards`.
    eval_scores : mapping of str to array_like of shape (n_prompts, N)
        Shared evaluation rewards; the name ``"proxy"`` is reserved.
    ns : sequence of int
        Best-of-n sizes, each ``1 <= n <= N``.

    Returns
    -------
    pandas.DataFrame
        One row per (method, eval, n) with columns ``method, family, penalty, k,
        n, kl, eval, mean, sem, ref_mean, ref_std``. ``ref_mean`` and ``ref_std``
        are the mean and standard deviation (``ddof=0``) of the evaluation reward
        over all prompts and responses of the reference policy, so ``ref_mean``
        is the ``n = 1`` value.
    """
    if not ranking_rewards:
        raise ValueError("ranking_rewards is empty; build it with ranking_rewards().")
    if "proxy" in eval_scores:
        raise ValueError(
            "eval_scores must not contain 'proxy'; each method's proxy evaluation "
            "comes from its RankingReward.proxy."
        )

    first = next(iter(ranking_rewards.values()))
    shape = np.shape(first.scores)
    shared = {
        name: _as_score_matrix(f"eval_scores[{name!r}]", values, shape)
        for name, values in eval_scores.items()
    }
    shared_evals = [(name, v, v.mean(), v.std()) for name, v in shared.items()]
    ns_array = _check_ns(ns, shape[1])
    weight_matrix = bon_weight_matrix(shape[1], ns_array)
    kls = kl_bon(ns_array)

    # All MAP/LA methods share one proxy array and all Ens/LA Ens another, so the
    # proxy statistics are computed once per distinct array.
    proxy_evals: dict[int, tuple] = {}
    rows = []
    for name, reward in ranking_rewards.items():
        scores = _as_score_matrix(f"{name} scores", reward.scores, shape)
        if id(reward.proxy) not in proxy_evals:
            proxy = _as_score_matrix(f"{name} proxy", reward.proxy, shape)
            proxy_evals[id(reward.proxy)] = ("proxy", proxy, proxy.mean(), proxy.std())
        evals = [proxy_evals[id(reward.proxy)], *shared_evals]

        order, group_ids = _sort_with_tie_groups(scores)
        for eval_name, values, ref_mean, ref_std in evals:
            sorted_eval = _sorted_eval(values, order, group_ids)
            estimate = _estimate_from_sorted(sorted_eval, weight_matrix, ns_array)
            for j, n in enumerate(ns_array):
                row = (
                    name,
                    reward.family,
                    reward.penalty,
                    float(reward.k),
                    int(n),
                    float(kls[j]),
                    eval_name,
                    float(estimate.mean[j]),
                    float(estimate.sem[j]),
                    float(ref_mean),
                    float(ref_std),
                )
                rows.append(row)

    return pd.DataFrame(rows, columns=TABLE_COLUMNS)


def normalize_bon_table(table: pd.DataFrame) -> pd.DataFrame:
    """Express BoN rewards as gains over the reference policy in its std units.

    For every row, ``mean`` becomes ``(mean - ref_mean) / ref_std`` and ``sem``
    becomes ``sem / ref_std``. So each evaluation reward starts at 0 at ``n = 1``
    and is measured in standard deviations of that reward over all responses of
    the reference policy. The proxy evaluation uses each method's own proxy
    reward's statistics, the gold evaluation the gold reward's.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`bon_table`.

    Returns
    -------
    pandas.DataFrame
        A copy with ``mean`` and ``sem`` rescaled and ``attrs["normalized"]`` set.
    """
    missing = [c for c in ("mean", "sem", "ref_mean", "ref_std") if c not in table]
    if missing:
        raise ValueError(
            f"table is missing columns {missing}; pass the output of bon_table()."
        )
    if (table["ref_std"] <= 0).any():
        bad = table.loc[table["ref_std"] <= 0, ["method", "eval"]].iloc[0].tolist()
        raise ValueError(
            f"Evaluation reward {bad[1]!r} of method {bad[0]!r} is constant over all "
            "responses, so it cannot be normalised by its standard deviation."
        )

    normalized = table.copy()
    normalized["mean"] = (table["mean"] - table["ref_mean"]) / table["ref_std"]
    normalized["sem"] = table["sem"] / table["ref_std"]
    normalized.attrs["normalized"] = True
    return normalized
