import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from bon_run_fixture import synthetic_run, write_bon_run
from plotly.callbacks import Points

from bayesrm_utils import bon, explorer
from bayesrm_utils.artifacts import ArtifactError
from bayesrm_utils.explorer import Explorer, ExplorerData, rank_prompt

REPO = Path(__file__).resolve().parent.parent

# Two prompts, five responses, proxy seeds 3 and 11. Seed 3 sorts first
# numerically (not as a string), so it is the single model of MAP and LA.
MEANS = np.array(
    [
        [[1.0, 3.0, 2.0, 0.5, 2.5], [0.0, 1.0, 4.0, 2.0, 3.0]],  # seed 3
        [[2.0, 1.0, 2.0, 0.5, 3.5], [0.5, 1.5, 3.0, 2.0, 1.0]],  # seed 11
    ]
)
VARS = np.array(
    [
        [[0.04, 1.0, 0.25, 0.01, 0.09], [0.01, 0.01, 4.0, 0.04, 0.09]],
        [[0.04, 0.25, 0.16, 0.01, 0.36], [0.01, 0.04, 1.0, 0.01, 0.04]],
    ]
)
GOLD = np.array([[0.2, -1.0, 0.9, 0.1, 0.4], [0.0, 1.0, -4.0, 2.0, 3.0]])
PROMPTS = ["Explain why the sky is blue.", "Name a prime number."]
RESPONSES = [
    [f"sky answer {j}" for j in range(5)],
    ["two", "<b>three</b> & five\n    indented line", "four", "seven", "eleven"],
]

# Ranking reward of every method on prompt 0, written out by hand.
ENS_MEAN = np.array([1.5, 2.0, 2.0, 0.5, 3.0])
ENS_TOTAL_VAR = np.array([0.08, 1.25, 0.41, 0.02, 0.45])
EXPECTED_SCORES = {
    ("MAP", 0.0): np.array([1.0, 3.0, 2.0, 0.5, 2.5]),
    ("LA std", 1.0): np.array([0.8, 2.0, 1.5, 0.4, 2.2]),
    ("LA var", 2.0): np.array([0.92, 1.0, 1.5, 0.48, 2.32]),
    ("Ens", 0.0): ENS_MEAN,
    ("LA Ens std", 1.0): ENS_MEAN - np.sqrt(ENS_TOTAL_VAR) / 2,
    ("LA Ens var", 2.0): ENS_MEAN - 2 * ENS_TOTAL_VAR / 4,
}
EXPECTED_ORDER = {
    "MAP": [1, 4, 2, 0, 3],
    "LA std": [4, 1, 2, 0, 3],
    "LA var": [4, 2, 1, 0, 3],
    "Ens": [4, 1, 2, 0, 3],  # samples 1 and 2 tie; the lower index goes first
    "LA Ens std": [4, 2, 1, 0, 3],
    "LA Ens var": [4, 2, 0, 1, 3],
}


@pytest.fixture
def run_dir(tmp_path):
    # Written in the order (11, 3), so the explorer must sort the seeds itself.
    return write_bon_run(
        tmp_path / "run", GOLD, MEANS[::-1], VARS[::-1], (11, 3), PROMPTS, RESPONSES
    )


@pytest.fixture
def data(run_dir):
    return ExplorerData.open(run_dir)


def table_samples(table_html):
    """Sample indices of the rendered ranking rows, top to bottom."""
    return [
        int(s) for s in re.findall(r"<tr[^>]*><td>\d+</td><td>(\d+)</td>", table_html)
    ]


def test_open_sorts_seeds_numerically(data):
    assert data.seeds == (3, 11)
    np.testing.assert_array_equal(data.seed_means[0], MEANS[0])
    np.testing.assert_array_equal(data.seed_vars[1], VARS[1])
    np.testing.assert_array_equal(data.gold, GOLD)


def test_open_reads_no_response_file(data):
    assert data.loaded_prompts == []


def test_fractional_n_rejected(data):
    with pytest.raises(ValueError, match="n=2.5 is invalid; it must be an integer"):
        rank_prompt(data, 0, "LA std", 1.0, 2.5)


@pytest.mark.parametrize("method, k", list(EXPECTED_SCORES))
def test_rank_order_matches_hand_computed(data, method, k):
    table = rank_prompt(data, 0, method, k)
    assert table["sample_index"].tolist() == EXPECTED_ORDER[method]
    np.testing.assert_allclose(
        table["ranking_reward"], EXPECTED_SCORES[method, k][EXPECTED_ORDER[method]]
    )
    assert table["rank"].tolist() == [1, 2, 3, 4, 5]


def test_rank_columns_per_family(data):
    single = rank_prompt(data, 0, "LA std", 1.0).set_index("sample_index")
    np.testing.assert_allclose(single["proxy"].sort_index(), MEANS[0, 0])
    np.testing.assert_allclose(single["sigma"].sort_index(), np.sqrt(VARS[0, 0]))
    np.testing.assert_allclose(single["reward_seed_11"].sort_index(), MEANS[1, 0])
    np.testing.assert_allclose(single["gold"].sort_index(), GOLD[0])

    ensemble = rank_prompt(data, 0, "LA Ens var", 2.0).set_index("sample_index")
    np.testing.assert_allclose(ensemble["proxy"].sort_index(), ENS_MEAN)
    np.testing.assert_allclose(
        ensemble["sigma"].sort_index(), np.sqrt(ENS_TOTAL_VAR) / 2
    )


def test_pick_at_full_n_is_top(data):
    table = rank_prompt(data, 0, "LA var", 2.0, n=5)
    assert table["p_pick"].tolist() == [1.0, 0.0, 0.0, 0.0, 0.0]
    assert table.loc[table["top"], "sample_index"].tolist() == [4]


def test_pick_probabilities_are_bon_weights(data):
    table = rank_prompt(data, 0, "MAP", n=2)
    # C(i - 1, 1) / C(5, 2) for ascending rank i = 5, 4, ..., 1.
    np.testing.assert_allclose(table["p_pick"], [0.4, 0.3, 0.2, 0.1, 0.0])


def test_tied_responses_share_pick_probability(data):
    table = rank_prompt(data, 0, "Ens", n=2).set_index("sample_index")
    assert table.loc[1, "p_pick"] == pytest.approx(0.25)
    assert table.loc[2, "p_pick"] == pytest.approx(0.25)
    assert table.loc[4, "p_pick"] == pytest.approx(0.4)


@pytest.mark.parametrize("method", list(EXPECTED_ORDER))
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_expected_gold_matches_bon_estimate(data, method, n):
    k = next(key[1] for key in EXPECTED_SCORES if key[0] == method)
    for prompt in (0, 1):
        table = rank_prompt(data, prompt, method, k, n)
        scores = explorer.method_rewards(data, method, k, [prompt])["scores"]
        reference = bon.bon_estimate(scores, GOLD[[prompt]], [n]).per_prompt[0, 0]
        assert table.attrs["expected_gold"] == pytest.approx(reference)


def test_gold_best_marked(data):
    for prompt, best in ((0, 2), (1, 4)):
        table = rank_prompt(data, prompt, "MAP")
        assert table.loc[table["gold_best"], "sample_index"].tolist() == [best]


def test_unknown_method_lists_valid(data):
    with pytest.raises(ValueError, match=r"Unknown method 'LA'.*'LA std'"):
        rank_prompt(data, 0, "LA")


def test_ensemble_needs_two_seeds(tmp_path):
    root = write_bon_run(tmp_path / "run", GOLD, MEANS[:1], VARS[:1], (0,))
    data = ExplorerData.open(root)
    assert data.methods == ["MAP", "LA std", "LA var"]
    with pytest.raises(ValueError, match="ensembles need two proxy seeds"):
        rank_prompt(data, 0, "Ens")


def test_negative_k_rejected(data):
    with pytest.raises(ValueError, match="k=-1.0 is invalid"):
        rank_prompt(data, 0, "LA std", -1.0)


def test_overoptimized_order(data):
    table = explorer.overoptimized(data, "MAP", limit=10)

    def z(x):
        return (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)

    gap = z(MEANS[0]) - z(GOLD)
    expected = np.argsort(-gap, axis=None, kind="stable")[:10]
    assert list(zip(table["prompt_index"], table["sample_index"])) == [
        tuple(int(i) for i in divmod(flat, 5)) for flat in expected
    ]
    np.testing.assert_allclose(table["gap"], gap.ravel()[expected])


def test_overoptimized_flags_uncertain_top(data):
    top = explorer.overoptimized(data, "LA std", 1.0, limit=3).iloc[0]
    assert (top["prompt_index"], top["sample_index"]) == (1, 2)
    assert top["sigma"] == pytest.approx(2.0)
    assert top["sigma_pct"] == pytest.approx(100.0)
    assert top["sigma_pct_prompt"] == pytest.approx(100.0)
    assert top["proxy_rank"] == 1
    # 4 - 2 = 2.0 falls behind 3 - 0.3 = 2.7 and 2 - 0.2 = 1.8 stays behind.
    assert top["method_rank"] == 2


def test_overoptimized_standardize_all(data):
    table = explorer.overoptimized(data, "Ens", standardize="all", limit=10)
    proxy = MEANS.mean(axis=0)
    gap = (proxy - proxy.mean()) / proxy.std() - (GOLD - GOLD.mean()) / GOLD.std()
    np.testing.assert_allclose(table["gap"], np.sort(gap, axis=None)[::-1])


def test_overoptimized_rejects_bad_option(data):
    with pytest.raises(ValueError, match=r"standardize='z'.*\['prompt', 'all'\]"):
        explorer.overoptimized(data, standardize="z")


def test_with_texts_reads_rows(data):
    table = explorer.with_texts(data, rank_prompt(data, 1, "MAP").head(2))
    assert table["response"].tolist() == ["four", "eleven"]
    assert data.loaded_prompts == []


def test_missing_gold_manifest(run_dir):
    (run_dir / "05_bon_samples" / "gold" / "manifest.json").unlink()
    with pytest.raises(ArtifactError, match="gold has no manifest"):
        ExplorerData.open(run_dir)


def test_proxy_of_older_responses_skipped(run_dir, caplog):
    manifest = run_dir / "05_bon_samples" / "proxy_seed_11" / "manifest.json"
    values = json.loads(manifest.read_text())
    values["upstream"]["responses"] = "0123456789abcdef"
    manifest.write_text(json.dumps(values))
    with caplog.at_level("WARNING"):
        data = ExplorerData.open(run_dir)
    assert data.seeds == (3,)
    assert "proxy_seed_11: it scores the responses of an older run" in caplog.text


def test_gold_of_older_responses_rejected(run_dir):
    manifest = run_dir / "05_bon_samples" / "gold" / "manifest.json"
    values = json.loads(manifest.read_text())
    values["upstream"]["responses"] = "0123456789abcdef"
    manifest.write_text(json.dumps(values))
    with pytest.raises(ArtifactError, match="gold scores other responses"):
        ExplorerData.open(run_dir)


def test_unfinished_proxy_skipped(run_dir, caplog):
    (run_dir / "05_bon_samples" / "proxy_seed_11" / "manifest.json").unlink()
    with caplog.at_level("WARNING"):
        data = ExplorerData.open(run_dir)
    assert data.seeds == (3,)
    assert "proxy_seed_11: the stage has not finished" in caplog.text


def test_no_run_directory(tmp_path):
    with pytest.raises(ArtifactError, match="05_bon_samples not found"):
        ExplorerData.open(tmp_path)


def test_truncated_response_file(run_dir, data):
    path = data.prompt_path(1)
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(ArtifactError, match="bytes but its manifest records"):
        data.responses(1)


def test_shape_mismatch_named(tmp_path):
    root = write_bon_run(tmp_path / "run", GOLD, MEANS, VARS, (3, 11))
    manifest = root / "05_bon_samples" / "responses" / "manifest.json"
    values = json.loads(manifest.read_text())
    values["n_samples"] = 6
    manifest.write_text(json.dumps(values))
    with pytest.raises(ArtifactError, match=r"shape \(2, 5\), expected \(2, 6\)"):
        ExplorerData.open(root)


# ----------------------------------------------------------------------------------
# Widgets


@pytest.fixture
def ui(data):
    return Explorer(data, page_size=3, max_scatter_points=4)


def test_widget_shows_map_ranking(ui):
    assert table_samples(ui.table_html.value) == [1, 4, 2]
    table = ui.table_html.value
    assert table.index("3.000") < table.index("2.500") < table.index("2.000")
    assert "▲ BoN top" in table
    assert ui.k.disabled


def test_widget_method_change_reorders(ui):
    ui.method.value = "LA var"
    ui.k.value = 2.0
    table = ui.table_html.value
    assert not ui.k.disabled
    assert table_samples(table) == [4, 2, 1]
    assert table.index("2.320") < table.index("1.500") < table.index("1.000")
    assert "LA var, k=2" in ui.summary_html.value


def test_widget_k_change_reorders(ui):
    ui.method.value = "LA std"
    ui.k.value = 0.0
    assert table_samples(ui.table_html.value) == [1, 4, 2]
    ui.k.value = 1.0
    assert table_samples(ui.table_html.value) == [4, 1, 2]


def test_widget_n_changes_pick_column(ui):
    ui.n.value = 2
    table = ui.table_html.value
    assert "P(pick), n=2" in table
    cells = re.findall(
        r"<tr[^>]*><td>\d+</td><td>\d+</td><td>[^<]*</td><td>([^<]*)</td>", table
    )
    assert cells == ["0.4", "0.3", "0.2"]


def test_widget_marks_gold_best(ui):
    ui.ranking_pager.go(1)
    assert table_samples(ui.table_html.value) == [0, 3]
    ui.ranking_pager.go(0)
    assert '<tr class="gold-best"><td>3</td><td>2</td>' in ui.table_html.value


def test_widget_paginates(ui):
    assert ui.ranking_pager.label.value == "rows 1–3 of 5 (page 1/2)"
    assert ui.ranking_pager.previous.disabled
    ui.ranking_pager.next.click()
    assert ui.ranking_pager.label.value == "rows 4–5 of 5 (page 2/2)"
    assert ui.ranking_pager.next.disabled
    assert len(table_samples(ui.table_html.value)) == 2


def test_widget_search_selects_prompt(ui):
    ui.prompt_filter.value = "PRIME"
    assert [index for _, index in ui.prompt.options] == [1]
    assert ui.prompt.value == 1
    assert table_samples(ui.table_html.value) == [2, 4, 3]
    assert "Name a prime number." in ui.prompt_html.value


def test_widget_search_without_match(ui):
    ui.prompt_filter.value = "zebra"
    assert ui.prompt.options == ()
    assert ui.summary_html.value == "No prompt matches the search."


def test_widget_row_shows_escaped_text(ui):
    ui.prompt.value = 1
    ui.ranking_pager.go(1)
    ui.row.value = (1, 1)
    response = ui.response_html.value
    assert (
        "<pre>&lt;b&gt;three&lt;/b&gt; &amp; five\n    indented line</pre>" in response
    )
    assert "sample 1" in response


def test_widget_loads_selected_prompt_only(data):
    ui = Explorer(data, prompt_index=1)
    ui.tabs.selected_index = 1
    ui.overoptimized_pager.go(1)
    assert data.loaded_prompts == [1]
    ui.prompt.value = 0
    assert data.loaded_prompts == [1, 0]


def test_widget_overoptimized_view(ui):
    table = ui.overoptimized_html.value
    rows = re.findall(r"<tr[^>]*><td>(\d+)</td><td>(\d+)</td><td>([-\d.]+)</td>", table)
    expected = explorer.overoptimized(ui.data, "MAP", limit=3)
    assert [(int(p), int(s)) for p, s, _ in rows] == list(
        zip(expected["prompt_index"], expected["sample_index"])
    )
    assert [float(gap) for _, _, gap in rows] == pytest.approx(
        expected["gap"], abs=1e-3
    )
    texts = re.findall(r'<td class="text">([^<]*)</td>', table)
    assert texts == [
        html.escape(" ".join(RESPONSES[p][s].split()))
        for p, s in zip(expected["prompt_index"], expected["sample_index"])
    ]
    ui.overoptimized_row.value = (1, 2)
    assert "<pre>four</pre>" in ui.response_html.value


def test_scatter_click_shows_response(ui):
    assert "4 of 10 responses" in ui.figure.layout.title.text
    assert len(ui.figure.data[0].x) == 4
    for point in range(4):
        prompt, sample = divmod(int(ui.scatter_index[point]), 5)
        ui.on_scatter_click(ui.figure.data[0], Points(point_inds=[point]))
        expected = f"<pre>{html.escape(RESPONSES[prompt][sample])}</pre>"
        assert expected in ui.response_html.value
        assert ui.figure.data[2].x == (MEANS[0, prompt, sample],)


def test_row_chooser_follows_shown_response(ui):
    assert ui.row.value == (0, 1)
    points = ui.prompt_scatter_index.tolist()
    off_page = next(i for i, sample in enumerate(points) if sample in (0, 3))
    ui.on_scatter_click(ui.figure.data[1], Points(point_inds=[off_page]))
    assert ui.shown_response == (0, points[off_page])
    assert ui.row.value is None
    on_page = points.index(4)
    ui.on_scatter_click(ui.figure.data[1], Points(point_inds=[on_page]))
    assert ui.row.value == (0, 4)


def test_scatter_follows_method_family(ui):
    ui.method.value = "Ens"
    prompts, samples = np.divmod(ui.scatter_index, 5)
    np.testing.assert_allclose(
        ui.figure.data[0].x, MEANS.mean(axis=0)[prompts, samples]
    )
    assert ui.figure.layout.xaxis.title.text == "proxy reward (ensemble mean)"


def test_explorer_rejects_bad_n(data):
    with pytest.raises(ValueError, match="n=6 is invalid for N=5"):
        Explorer(data, n=6)


def test_notebook_runs_headless(tmp_path):
    run = synthetic_run(tmp_path / "run", n_prompts=3, n_samples=8)
    source = REPO / "notebooks" / "08_explore_responses.py"
    notebook = tmp_path / "explore.ipynb"
    executed = tmp_path / "explore.out.ipynb"
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    subprocess.run(
        [bin_dir / "jupytext", "--quiet", "--to", "ipynb", "--set-kernel", "python3",
         "-o", notebook, source],
        check=True, env=env, timeout=60,
    )  # fmt: skip
    subprocess.run(
        [bin_dir / "papermill", "--no-progress-bar", "--cwd", REPO, notebook,
         executed, "-p", "run_dir", str(run), "-p", "method", "LA Ens std"],
        check=True, env=env, timeout=120, capture_output=True,
    )  # fmt: skip

    cells = json.loads(executed.read_text())["cells"]
    outputs = json.dumps([c.get("outputs", []) for c in cells])
    assert "application/vnd.jupyter.widget-view+json" in outputs
    assert "What a wonderful question!" in outputs
