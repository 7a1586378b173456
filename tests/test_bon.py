import itertools
import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from bayesrm_utils.bon import (
    TABLE_COLUMNS,
    bon_estimate,
    bon_table,
    bon_weights,
    ensemble_mean,
    ensemble_penalized_reward,
    kl_bon,
    laplace_ensemble,
    normalize_bon_table,
    penalized_reward,
    ranking_rewards,
)


def brute_force_bon(rank_scores, eval_scores, n):
    """Average over all n-subsets and prompts of the eval score of the picked one.

    A subset with several responses tied at its maximum rank score picks each of
    them with equal probability, so its value is their mean eval score.
    """
    per_prompt = []
    for rank_row, eval_row in zip(rank_scores, eval_scores):
        values = []
        for subset in itertools.combinations(range(len(rank_row)), n):
            subset = np.array(subset)
            top = rank_row[subset].max()
            tied_maxima = subset[rank_row[subset] == top]
            values.append(eval_row[tied_maxima].mean())
        per_prompt.append(np.mean(values))
    return np.mean(per_prompt)


# ---------------------------------------------------------------------------
# kl_bon and bon_weights
# ---------------------------------------------------------------------------


def test_kl_bon_hand_values():
    assert kl_bon(1) == 0.0
    assert kl_bon(2) == pytest.approx(0.19314718055994531, rel=1e-15)
    assert kl_bon(4) == pytest.approx(0.6362943611198906, rel=1e-15)
    np.testing.assert_allclose(
        kl_bon(np.array([1, 2, 4])), [0.0, 0.19314718055994531, 0.6362943611198906]
    )


def test_kl_bon_rejects_n_below_one():
    with pytest.raises(ValueError, match="n >= 1"):
        kl_bon(0)
    with pytest.raises(ValueError, match="n >= 1"):
        kl_bon([1, 0.5])


@pytest.mark.parametrize("N", [1, 2, 5, 12, 30])
def test_bon_weights_match_math_comb(N):
    for n in range(1, N + 1):
        expected = [
            float(Fraction(math.comb(i - 1, n - 1), math.comb(N, n)))
            for i in range(1, N + 1)
        ]
        np.testing.assert_allclose(bon_weights(N, n), expected, rtol=1e-13, atol=0)


def test_bon_weights_hand_values():
    # N = 4, n = 2: C(i - 1, 1) / C(4, 2) = (0, 1, 2, 3) / 6.
    np.testing.assert_allclose(bon_weights(4, 2), [0, 1 / 6, 2 / 6, 3 / 6])
    np.testing.assert_allclose(bon_weights(4, 1), [0.25] * 4)
    np.testing.assert_allclose(bon_weights(4, 4), [0, 0, 0, 1])


@pytest.mark.parametrize("n", [1, 2, 7, 100, 3000, 6250, 12499, 12500])
def test_bon_weights_stable_at_large_N(n):
    N = 12_500
    weights = bon_weights(N, n)

    assert weights.shape == (N,)
    assert np.all(weights >= 0)
    assert np.all(weights[: n - 1] == 0)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)

    # Exact rational values at a few ranks, including the top and the mode.
    mode = int(np.argmax(weights)) + 1
    for i in sorted({n, mode, (n + N) // 2, N}):
        exact = float(Fraction(math.comb(i - 1, n - 1), math.comb(N, n)))
        if exact > 1e-300:
            assert weights[i - 1] == pytest.approx(exact, rel=1e-9)


def test_bon_weights_reject_invalid_n():
    with pytest.raises(ValueError, match=r"n=6.*N=5"):
        bon_weights(5, 6)
    with pytest.raises(ValueError, match=r"n=0.*N=5"):
        bon_weights(5, 0)


def test_bon_weights_reject_fractional_counts():
    with pytest.raises(ValueError, match=r"n=2.5 is invalid; it must be an integer"):
        bon_weights(5, 2.5)
    with pytest.raises(ValueError, match=r"N=5.5 is invalid"):
        bon_weights(5.5, 2)
    with pytest.raises(ValueError, match=r"n='2' is invalid"):
        bon_weights(5, "2")
    with pytest.raises(ValueError, match=r"n=nan is invalid"):
        bon_weights(5, float("nan"))
    np.testing.assert_array_equal(bon_weights(5.0, np.int64(2)), bon_weights(5, 2))


# ---------------------------------------------------------------------------
# bon_estimate
# ---------------------------------------------------------------------------


def test_estimate_hand_example():
    # Sorted by rank, the eval scores are (10, 30, 20) and the n = 2 weights are
    # (0, 1/3, 2/3).
    rank = np.array([[0.1, 0.3, 0.2]])
    gold = np.array([[10.0, 20.0, 30.0]])

    estimate = bon_estimate(rank, gold, [1, 2, 3])

    np.testing.assert_allclose(estimate.mean, [20.0, 70.0 / 3.0, 20.0])
    np.testing.assert_array_equal(estimate.ns, [1, 2, 3])
    assert estimate.per_prompt.shape == (3, 1)
    assert np.all(np.isnan(estimate.sem))


@pytest.mark.parametrize("N", range(1, 13))
def test_estimate_equals_subset_brute_force(N):
    rng = np.random.default_rng(N)
    rank = rng.normal(size=(3, N))
    gold = rng.normal(size=(3, N))
    ns = list(range(1, N + 1))

    estimate = bon_estimate(rank, gold, ns)

    expected = [brute_force_bon(rank, gold, n) for n in ns]
    np.testing.assert_allclose(estimate.mean, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("N", [2, 5, 8, 10])
def test_estimate_with_ties_equals_random_tie_break(N):
    rng = np.random.default_rng(100 + N)
    rank = rng.integers(0, 3, size=(4, N)).astype(float)
    gold = rng.normal(size=(4, N))
    ns = list(range(1, N + 1))

    estimate = bon_estimate(rank, gold, ns)

    expected = [brute_force_bon(rank, gold, n) for n in ns]
    np.testing.assert_allclose(estimate.mean, expected, rtol=1e-12, atol=1e-12)


def test_ties_differ_from_index_tie_break():
    # Both responses tie, so a random tie-break gives the mean, not either value.
    rank = np.array([[1.0, 1.0]])
    gold = np.array([[0.0, 4.0]])

    estimate = bon_estimate(rank, gold, [2])

    assert estimate.mean[0] == pytest.approx(2.0)


def test_estimate_agrees_with_monte_carlo_resampling():
    rng = np.random.default_rng(7)
    N, draws = 500, 20_000
    rank = rng.normal(size=(1, N))
    gold = rank + rng.normal(scale=2.0, size=(1, N))

    for n in [1, 3, 20, 200]:
        exact = bon_estimate(rank, gold, [n]).mean[0]

        subsets = rng.random((draws, N)).argpartition(n - 1, axis=1)[:, :n]
        picked = np.take_along_axis(
            subsets, rank[0][subsets].argmax(axis=1)[:, None], axis=1
        )[:, 0]
        samples = gold[0][picked]
        sem = samples.std(ddof=1) / np.sqrt(draws)

        assert abs(samples.mean() - exact) < 4 * sem, (n, samples.mean(), exact)


def test_estimate_n_one_is_mean():
    rng = np.random.default_rng(3)
    rank = rng.normal(size=(5, 40))
    gold = rng.normal(size=(5, 40))

    estimate = bon_estimate(rank, gold, [1])

    assert estimate.mean[0] == pytest.approx(gold.mean(), rel=1e-12)
    np.testing.assert_allclose(estimate.per_prompt[0], gold.mean(axis=1))


def test_estimate_n_N_picks_top_ranked():
    rng = np.random.default_rng(3)
    rank = rng.normal(size=(5, 40))
    gold = rng.normal(size=(5, 40))

    estimate = bon_estimate(rank, gold, [1, 40])

    top = gold[np.arange(5), rank.argmax(axis=1)]
    np.testing.assert_allclose(estimate.per_prompt[1], top, rtol=1e-12)
    assert estimate.mean[1] == pytest.approx(top.mean(), rel=1e-12)
    assert estimate.sem[1] == pytest.approx(top.std(ddof=1) / np.sqrt(5), rel=1e-12)


def test_dict_eval_scores_share_one_sort():
    rng = np.random.default_rng(4)
    rank = rng.normal(size=(3, 15))
    proxy = rng.normal(size=(3, 15))
    gold = rng.normal(size=(3, 15))

    estimates = bon_estimate(rank, {"proxy": proxy, "gold": gold}, [1, 4, 15])

    assert list(estimates) == ["proxy", "gold"]
    np.testing.assert_allclose(
        estimates["gold"].mean, bon_estimate(rank, gold, [1, 4, 15]).mean
    )
    np.testing.assert_allclose(
        estimates["proxy"].mean, bon_estimate(rank, proxy, [1, 4, 15]).mean
    )


def test_shuffles_leave_estimate_unchanged():
    rng = np.random.default_rng(5)
    rank = rng.normal(size=(6, 30))
    proxy = rank + rng.normal(size=(6, 30))
    gold = rank + rng.normal(size=(6, 30))
    ns = [1, 2, 5, 30]
    reference = bon_estimate(rank, {"proxy": proxy, "gold": gold}, ns)

    # The same permutation of responses within each row, then a prompt shuffle.
    perm = np.argsort(rng.random((6, 30)), axis=1)
    prompts = rng.permutation(6)

    def shuffle(x):
        return np.take_along_axis(x, perm, axis=1)[prompts]

    shuffled = bon_estimate(
        shuffle(rank), {"proxy": shuffle(proxy), "gold": shuffle(gold)}, ns
    )

    for name in ["proxy", "gold"]:
        np.testing.assert_allclose(
            shuffled[name].mean, reference[name].mean, rtol=1e-12
        )
        np.testing.assert_allclose(shuffled[name].sem, reference[name].sem, rtol=1e-9)


def test_misaligned_shuffle_changes_estimate():
    rng = np.random.default_rng(6)
    rank = rng.normal(size=(6, 30))
    gold = rank + 0.1 * rng.normal(size=(6, 30))
    reference = bon_estimate(rank, gold, [5]).mean[0]

    misaligned_gold = rng.permuted(gold, axis=1)
    misaligned = bon_estimate(rank, misaligned_gold, [5]).mean[0]

    assert abs(misaligned - reference) > 0.5


def test_estimate_rejects_bad_input():
    rank = np.zeros((2, 4))
    gold = np.zeros((2, 4))

    with pytest.raises(ValueError, match=r"n=5.*N=4"):
        bon_estimate(rank, gold, [1, 5])
    with pytest.raises(ValueError, match=r"n=0.*N=4"):
        bon_estimate(rank, gold, [0])
    with pytest.raises(ValueError, match="integers"):
        bon_estimate(rank, gold, [1.5])
    with pytest.raises(ValueError, match=r"eval_scores has shape \(2, 3\)"):
        bon_estimate(rank, np.zeros((2, 3)), [1])
    with pytest.raises(ValueError, match=r"shape \(n_prompts, N\)"):
        bon_estimate(np.zeros(4), np.zeros(4), [1])

    bad_gold = gold.copy()
    bad_gold[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"gold'\].*nan.*\(1, 2\)"):
        bon_estimate(rank, {"gold": bad_gold}, [1])
    bad_rank = rank.copy()
    bad_rank[0, 3] = np.inf
    with pytest.raises(ValueError, match=r"rank_scores.*inf.*\(0, 3\)"):
        bon_estimate(bad_rank, gold, [1])


# ---------------------------------------------------------------------------
# Penalties and ensembles
# ---------------------------------------------------------------------------


def test_penalized_reward_hand_values():
    mean = np.array([1.0, 2.0])
    var = np.array([4.0, 0.25])

    np.testing.assert_allclose(penalized_reward(mean, var, 3, "std"), [-5.0, 0.5])
    np.testing.assert_allclose(penalized_reward(mean, var, 3, "var"), [-11.0, 1.25])
    np.testing.assert_allclose(penalized_reward(mean, var, 0, "std"), mean)


def test_penalized_reward_clips_round_off_variance():
    mean = np.array([1.0, 2.0])
    var = np.array([-1e-14, 1.0])

    np.testing.assert_allclose(penalized_reward(mean, var, 2, "std"), [1.0, 0.0])

    with pytest.raises(
        ValueError, match=r"negative variance -1e-06 at position \(0,\)"
    ):
        penalized_reward(mean, np.array([-1e-6, 1.0]), 2, "std")


def test_penalized_reward_rejects_bad_input():
    mean = np.array([1.0, 2.0])
    var = np.array([1.0, 1.0])

    with pytest.raises(ValueError, match="k=-1.0"):
        penalized_reward(mean, var, -1, "std")
    with pytest.raises(ValueError, match=r"'sd'.*\['std', 'var'\]"):
        penalized_reward(mean, var, 1, "sd")
    with pytest.raises(ValueError, match=r"shape \(2,\) but var has shape \(3,\)"):
        penalized_reward(mean, np.ones(3), 1, "var")
    with pytest.raises(ValueError, match="var contains a non-finite value nan"):
        penalized_reward(mean, np.array([np.nan, 1.0]), 1, "var")


def test_ensemble_hand_values():
    member_means = np.array([[1.0, 2.0], [3.0, 6.0]])
    member_vars = np.array([[1.0, 4.0], [3.0, 12.0]])

    np.testing.assert_allclose(ensemble_mean(member_means), [2.0, 4.0])
    mean, var = laplace_ensemble(member_means, member_vars)
    np.testing.assert_allclose(mean, [2.0, 4.0])
    np.testing.assert_allclose(var, [1.0, 4.0])

    # "std" is mean - (k / m) * sqrt(sum var) and "var" is mean - (k / m**2) * sum var.
    np.testing.assert_allclose(
        ensemble_penalized_reward(member_means, member_vars, 2, "std"), [0.0, 0.0]
    )
    np.testing.assert_allclose(
        ensemble_penalized_reward(member_means, member_vars, 2, "var"), [0.0, -4.0]
    )


@pytest.mark.parametrize("penalty", ["std", "var"])
@pytest.mark.parametrize("k", [0.0, 0.5, 3.0, 30.0])
def test_ensemble_penalty_equals_penalized_laplace_ensemble(penalty, k):
    rng = np.random.default_rng(8)
    member_means = rng.normal(size=(4, 3, 7))
    member_vars = rng.uniform(0.0, 2.0, size=(4, 3, 7))

    mean, var = laplace_ensemble(member_means, member_vars)

    np.testing.assert_allclose(
        ensemble_penalized_reward(member_means, member_vars, k, penalty),
        penalized_reward(mean, var, k, penalty),
        rtol=1e-12,
        atol=1e-12,
    )


def test_ensemble_rejects_bad_input():
    with pytest.raises(ValueError, match=r"shape \(2, 2\) but member_vars"):
        laplace_ensemble(np.zeros((2, 2)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="negative variance"):
        laplace_ensemble(np.zeros((2, 2)), -np.ones((2, 2)))
    with pytest.raises(ValueError, match="k=-0.5"):
        ensemble_penalized_reward(np.zeros((2, 2)), np.ones((2, 2)), -0.5, "var")
    with pytest.raises(ValueError, match="m >= 1"):
        ensemble_mean(np.zeros((0, 3)))


# ---------------------------------------------------------------------------
# ranking_rewards and bon_table
# ---------------------------------------------------------------------------


@pytest.fixture
def scored():
    rng = np.random.default_rng(9)
    member_means = rng.normal(size=(3, 4, 25))
    member_vars = rng.uniform(0.0, 1.0, size=(3, 4, 25))
    gold = member_means.mean(axis=0) + rng.normal(size=(4, 25))
    return member_means, member_vars, gold


def test_ranking_rewards_names_and_values(scored):
    member_means, member_vars, _ = scored

    rewards = ranking_rewards(member_means, member_vars, ks=[1, 2.5])

    assert list(rewards) == [
        "MAP",
        "LA std k=1",
        "LA std k=2.5",
        "LA var k=1",
        "LA var k=2.5",
        "Ens",
        "LA Ens std k=1",
        "LA Ens std k=2.5",
        "LA Ens var k=1",
        "LA Ens var k=2.5",
    ]
    la = rewards["LA var k=2.5"]
    assert (la.family, la.penalty, la.k) == ("LA", "var", 2.5)
    np.testing.assert_allclose(la.scores, member_means[0] - 2.5 * member_vars[0])
    np.testing.assert_array_equal(la.proxy, member_means[0])

    la_ens = rewards["LA Ens std k=1"]
    assert (la_ens.family, la_ens.penalty, la_ens.k) == ("LA Ens", "std", 1.0)
    expected = member_means.mean(0) - np.sqrt(member_vars.sum(0)) / 3
    np.testing.assert_allclose(la_ens.scores, expected)
    np.testing.assert_allclose(la_ens.proxy, member_means.mean(0))

    assert (rewards["MAP"].penalty, rewards["MAP"].k) == ("none", 0.0)
    np.testing.assert_array_equal(rewards["Ens"].scores, member_means.mean(0))


def test_ranking_rewards_reference_member_and_single_model(scored):
    member_means, member_vars, _ = scored

    rewards = ranking_rewards(member_means, member_vars, ks=[1], reference_member=2)
    np.testing.assert_array_equal(rewards["MAP"].scores, member_means[2])

    single = ranking_rewards(member_means[:1], member_vars[:1], ks=[1])
    assert list(single) == ["MAP", "LA std k=1", "LA var k=1"]

    map_only = ranking_rewards(member_means)
    assert list(map_only) == ["MAP", "Ens"]


def test_ranking_rewards_rejects_bad_input(scored):
    member_means, member_vars, _ = scored

    with pytest.raises(ValueError, match="reference_member=3"):
        ranking_rewards(member_means, member_vars, ks=[1], reference_member=3)
    with pytest.raises(ValueError, match="need member_vars"):
        ranking_rewards(member_means, ks=[1])
    with pytest.raises(ValueError, match="k=-2.0"):
        ranking_rewards(member_means, member_vars, ks=[-2])
    with pytest.raises(ValueError, match=r"'both'.*\['std', 'var'\]"):
        ranking_rewards(member_means, member_vars, ks=[1], penalties=["both"])
    with pytest.raises(ValueError, match=r"\(m, n_prompts, N\)"):
        ranking_rewards(member_means[0], member_vars[0], ks=[1])


def test_bon_table_matches_bon_estimate(scored):
    member_means, member_vars, gold = scored
    rewards = ranking_rewards(member_means, member_vars, ks=[3])
    ns = [1, 2, 5, 25]

    table = bon_table(rewards, {"gold": gold}, ns)

    assert list(table.columns) == TABLE_COLUMNS
    assert len(table) == len(rewards) * 2 * len(ns)
    for name in ["LA var k=3", "LA Ens std k=3"]:
        reward = rewards[name]
        expected = bon_estimate(
            reward.scores, {"proxy": reward.proxy, "gold": gold}, ns
        )
        for eval_name in ["proxy", "gold"]:
            rows = table[(table.method == name) & (table["eval"] == eval_name)]
            np.testing.assert_allclose(rows["mean"], expected[eval_name].mean)
            np.testing.assert_allclose(rows["sem"], expected[eval_name].sem)
            np.testing.assert_array_equal(rows["n"], ns)
            np.testing.assert_allclose(rows["kl"], kl_bon(np.array(ns)))


def test_bon_table_proxy_is_unpenalised_own_mean(scored):
    member_means, member_vars, gold = scored
    rewards = ranking_rewards(member_means, member_vars, ks=[3])

    table = bon_table(rewards, {"gold": gold}, [1])

    def at_n1(method, eval_name):
        rows = table[(table.method == method) & (table["eval"] == eval_name)]
        return rows.iloc[0]

    # At n = 1 every method's estimate is the mean of its evaluation reward.
    assert at_n1("LA std k=3", "proxy")["mean"] == pytest.approx(member_means[0].mean())
    assert at_n1("LA Ens var k=3", "proxy")["mean"] == pytest.approx(
        member_means.mean(0).mean()
    )
    assert at_n1("Ens", "gold")["mean"] == pytest.approx(gold.mean())
    assert at_n1("Ens", "gold")["ref_std"] == pytest.approx(gold.std())
    assert at_n1("LA std k=3", "proxy")["ref_std"] == pytest.approx(
        member_means[0].std()
    )
    np.testing.assert_allclose(table["mean"], table["ref_mean"])


def test_normalize_bon_table_hand_values():
    table = pd.DataFrame(
        {
            "method": ["MAP", "MAP"],
            "eval": ["gold", "gold"],
            "n": [1, 4],
            "mean": [1.0, 2.0],
            "sem": [0.5, 0.5],
            "ref_mean": [1.0, 1.0],
            "ref_std": [2.0, 2.0],
        }
    )

    normalized = normalize_bon_table(table)

    np.testing.assert_allclose(normalized["mean"], [0.0, 0.5])
    np.testing.assert_allclose(normalized["sem"], [0.25, 0.25])
    assert normalized.attrs["normalized"] is True
    np.testing.assert_allclose(table["mean"], [1.0, 2.0])


def test_normalize_bon_table_rejects_constant_reward():
    table = pd.DataFrame(
        {
            "method": ["MAP"],
            "eval": ["gold"],
            "mean": [1.0],
            "sem": [0.0],
            "ref_mean": [1.0],
            "ref_std": [0.0],
        }
    )

    with pytest.raises(ValueError, match="'gold' of method 'MAP' is constant"):
        normalize_bon_table(table)
    with pytest.raises(ValueError, match="missing columns"):
        normalize_bon_table(table.drop(columns=["ref_std"]))


def test_bon_table_rejects_bad_input(scored):
    member_means, member_vars, gold = scored
    rewards = ranking_rewards(member_means, member_vars, ks=[1])

    with pytest.raises(ValueError, match="must not contain 'proxy'"):
        bon_table(rewards, {"proxy": gold}, [1])
    with pytest.raises(ValueError, match=r"n=26.*N=25"):
        bon_table(rewards, {"gold": gold}, [26])
    with pytest.raises(ValueError, match=r"shape \(4, 24\)"):
        bon_table(rewards, {"gold": gold[:, :24]}, [1])
    with pytest.raises(ValueError, match="empty"):
        bon_table({}, {"gold": gold}, [1])


def test_empty_score_matrix_rejected():
    with pytest.raises(ValueError, match=r"shape \(0, 5\): it needs at least one"):
        bon_estimate(np.zeros((0, 5)), np.zeros((0, 5)), [1])


def test_penalties_string_rejected():
    means = np.zeros((1, 2, 3))
    with pytest.raises(ValueError, match="penalties='std' is a string"):
        ranking_rewards(means, means, ks=[1.0], penalties="std")
