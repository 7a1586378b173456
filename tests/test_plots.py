import numpy as np
import pytest

from bayesrm_utils.bon import bon_table, normalize_bon_table, ranking_rewards
from bayesrm_utils.plots import bon_curve_figure, find_browser, save_figure

NS = [1, 2, 4, 8, 16]


@pytest.fixture(scope="module")
def table():
    rng = np.random.default_rng(0)
    member_means = rng.normal(size=(2, 5, 16))
    member_vars = rng.uniform(0.0, 1.0, size=(2, 5, 16))
    gold = member_means.mean(axis=0) + rng.normal(size=(5, 16))
    rewards = ranking_rewards(member_means, member_vars, ks=[1, 3, 10])
    return bon_table(rewards, {"gold": gold}, NS)


def traces_by_panel(fig):
    """Map (trace name, x-axis id) to the trace."""
    return {(trace.name, trace.xaxis): trace for trace in fig.data}


def test_figure_traces_match_table(table):
    fig = bon_curve_figure(table, families=("MAP", "LA"), penalty="var")

    names = [trace.name for trace in fig.data if trace.xaxis == "x"]
    assert names == ["MAP", "LA var k=1", "LA var k=3", "LA var k=10"]
    assert len(fig.data) == 2 * len(names)

    traces = traces_by_panel(fig)
    for name in names:
        for axis, eval_name in [("x", "proxy"), ("x2", "gold")]:
            rows = table[(table.method == name) & (table["eval"] == eval_name)]
            trace = traces[(name, axis)]
            np.testing.assert_allclose(trace.x, rows["kl"])
            np.testing.assert_allclose(trace.y, rows["mean"])
            np.testing.assert_allclose(trace.error_y.array, rows["sem"])
            np.testing.assert_array_equal(trace.customdata, NS)


def test_figure_colours_and_legend(table):
    fig = bon_curve_figure(table, families=("MAP", "Ens", "LA Ens"), penalty="std")
    traces = traces_by_panel(fig)

    assert traces[("MAP", "x")].line.color == "#000000"
    assert traces[("Ens", "x")].line.color == "#7f7f7f"
    k_colours = {traces[(f"LA Ens std k={k}", "x")].line.color for k in [1, 3, 10]}
    assert len(k_colours) == 3
    assert "#000000" not in k_colours

    # Each method has one legend entry and the same colour in both panels.
    for trace in fig.data:
        assert trace.showlegend == (trace.xaxis == "x")
        assert trace.line.color == traces[(trace.name, "x")].line.color
    assert traces[("LA Ens std k=3", "x2")].line.dash == "dash"
    assert traces[("MAP", "x2")].line.dash == "solid"


def test_figure_filters_ks_and_axis_titles(table):
    fig = bon_curve_figure(normalize_bon_table(table), ks=[3], title="Figure 2b")

    assert [t.name for t in fig.data if t.xaxis == "x"] == ["MAP", "LA std k=3"]
    assert fig.layout.title.text == "Figure 2b"
    assert fig.layout.yaxis.title.text == "normalised reward"
    assert fig.layout.xaxis2.title.text == "KL<sub>bon</sub> (nats)"
    titles = [annotation.text for annotation in fig.layout.annotations]
    assert titles == ["Proxy reward", "Gold reward"]

    raw = bon_curve_figure(table)
    assert raw.layout.yaxis.title.text == "reward"


def test_figure_rejects_bad_options(table):
    with pytest.raises(ValueError, match=r"'Ensemble'.*valid values"):
        bon_curve_figure(table, families=("Ensemble",))
    with pytest.raises(ValueError, match=r"'sd'.*\['std', 'var'\]"):
        bon_curve_figure(table, penalty="sd")
    with pytest.raises(ValueError, match=r"\['human'\]"):
        bon_curve_figure(table, evals=("proxy", "human"))
    with pytest.raises(ValueError, match="No rows match"):
        bon_curve_figure(table, families=("LA",), ks=[7])


def test_save_figure_rejects_cdn(table, tmp_path):
    fig = bon_curve_figure(table)

    with pytest.raises(ValueError, match="opens offline"):
        save_figure(fig, tmp_path / "figure", include_plotlyjs="cdn")


def test_save_figure_html_only(table, tmp_path):
    fig = bon_curve_figure(table)

    written = save_figure(fig, tmp_path / "sub" / "figure", png=False)

    html_path = tmp_path / "sub" / "figure.html"
    assert written == [html_path]
    html = html_path.read_text()
    assert '<script charset="utf-8" src="plotly.min.js"></script>' in html
    assert "LA std k=10" in html
    assert (tmp_path / "sub" / "plotly.min.js").stat().st_size > 1_000_000


def test_save_figure_without_browser_raises(table, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-browser"))
    fig = bon_curve_figure(table)

    with pytest.raises(RuntimeError, match="apt-get install chromium"):
        save_figure(fig, tmp_path / "figure")
    assert (tmp_path / "figure.html").is_file()


@pytest.mark.skipif(find_browser() is None, reason="no Chrome/Chromium for kaleido")
def test_save_figure_writes_png(table, tmp_path):
    fig = bon_curve_figure(table)

    written = save_figure(fig, tmp_path / "figure", scale=1.0)

    png_path = tmp_path / "figure.png"
    assert written == [tmp_path / "figure.html", png_path]
    header = png_path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(header[16:20], "big")
    height = int.from_bytes(header[20:24], "big")
    assert (width, height) == (1000, 420)
