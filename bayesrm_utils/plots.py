"""Best-of-n curves: proxy and gold reward against the BoN KL divergence.

:func:`bon_curve_figure` draws a table from :func:`bayesrm_utils.bon.bon_table`
(optionally normalised by :func:`bayesrm_utils.bon.normalize_bon_table`) as two
panels side by side, the proxy-reward evaluation on the left and the gold-reward
evaluation on the right, with one line per method and penalty strength ``k``.
:func:`save_figure` writes an HTML file that opens offline and a PNG.

PNG export uses kaleido 1.x, which drives a Chrome or Chromium browser. Kaleido
finds Debian's ``chromium`` package (``/usr/bin/chromium``) by itself, and the
``BROWSER_PATH`` environment variable points it at any other binary. Without a
browser, :func:`save_figure` still writes the HTML and then raises a RuntimeError
that names the package to install. There is no second PNG renderer.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from bayesrm_utils.bon import FAMILIES, PENALTIES

logger = logging.getLogger(__name__)

EVAL_TITLES = {"proxy": "Proxy reward", "gold": "Gold reward"}

# MAP is black and Ens grey, and the penalised methods take one colour per k.
FAMILY_COLORS = {"MAP": "#000000", "Ens": "#7f7f7f"}
K_COLORS = [
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
]
FAMILY_DASH = {"MAP": "solid", "LA": "solid", "Ens": "dash", "LA Ens": "dash"}
FAMILY_SYMBOL = {"MAP": "circle", "LA": "circle", "Ens": "diamond", "LA Ens": "diamond"}

# Executable names of Chrome and Chromium on Linux, macOS (via PATH) and Debian.
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "chrome")

# Attempts at one PNG export before its error is raised.
PNG_ATTEMPTS = 3


def _select_rows(table, families, penalty, ks, evals) -> pd.DataFrame:
    """Return the rows to draw: the families' unpenalised or ``penalty`` rows."""
    for family in families:
        if family not in FAMILIES:
            raise ValueError(
                f"Unknown method family {family!r}; valid values are {list(FAMILIES)}."
            )
    if penalty not in PENALTIES:
        raise ValueError(
            f"Unknown penalty {penalty!r}; valid values are {list(PENALTIES)}."
        )
    missing = [e for e in evals if e not in set(table["eval"])]
    if missing:
        raise ValueError(
            f"table has no rows for evaluation reward(s) {missing}; it has "
            f"{sorted(set(table['eval']))}."
        )

    rows = table[
        table["family"].isin(families)
        & table["penalty"].isin(["none", penalty])
        & table["eval"].isin(evals)
    ]
    if ks is not None:
        rows = rows[(rows["penalty"] == "none") | rows["k"].isin(list(ks))]
    if rows.empty:
        raise ValueError(
            f"No rows match families={list(families)}, penalty={penalty!r}, "
            f"ks={ks}; the table has methods {sorted(set(table['method']))}."
        )
    return rows


def _method_order(rows: pd.DataFrame) -> list[tuple[str, str, float]]:
    """Return (method, family, k) ordered by family, then by k."""
    methods = rows[["method", "family", "k"]].drop_duplicates("method")
    methods = methods.assign(
        family_rank=methods["family"].map(FAMILIES.index)
    ).sort_values(["family_rank", "k"])
    return list(methods[["method", "family", "k"]].itertuples(index=False))


def bon_curve_figure(
    table: pd.DataFrame,
    *,
    families: Sequence[str] = ("MAP", "LA"),
    penalty: str = "std",
    ks: Sequence[float] | None = None,
    evals: Sequence[str] = ("proxy", "gold"),
    show_sem: bool = True,
    title: str | None = None,
) -> go.Figure:
    """Draw BoN reward curves of several methods against ``KL_bon``.

    One panel per evaluation reward (proxy left, gold right by default). Every
    method is one line with markers at the table's ``n`` values, in the same
    colour in both panels: MAP black, Ens grey, and one colour per ``k`` for LA
    and LA Ens (solid for LA, dashed for LA Ens).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of ``bon_table`` or ``normalize_bon_table``. A table with
        ``attrs["normalized"]`` gets a "normalised" y-axis title.
    families : sequence of {"MAP", "LA", "Ens", "LA Ens"}
        Method families to draw.
    penalty : {"std", "var"}
        Penalty of the LA and LA Ens lines.
    ks : sequence of float, optional
        Penalty strengths to draw; all of them when None.
    evals : sequence of str
        Evaluation rewards, one panel each, in this order.
    show_sem : bool
        Draw the standard error over prompts as error bars.
    title : str, optional
        Figure title; defaults to the families and penalty.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    rows = _select_rows(table, families, penalty, ks, evals)
    normalized = bool(table.attrs.get("normalized", False))

    fig = make_subplots(
        rows=1,
        cols=len(evals),
        subplot_titles=[EVAL_TITLES.get(e, f"{e} reward") for e in evals],
        horizontal_spacing=0.08,
    )

    k_values = sorted(set(rows.loc[rows["penalty"] != "none", "k"]))
    k_color = {k: K_COLORS[i % len(K_COLORS)] for i, k in enumerate(k_values)}
    for method, family, k in _method_order(rows):
        color = FAMILY_COLORS.get(family) or k_color[k]
        for column, eval_name in enumerate(evals, start=1):
            curve = rows[(rows["method"] == method) & (rows["eval"] == eval_name)]
            curve = curve.sort_values("n")
            fig.add_trace(
                go.Scatter(
                    x=curve["kl"].to_numpy(),
                    y=curve["mean"].to_numpy(),
                    error_y={
                        "type": "data",
                        "array": curve["sem"].to_numpy(),
                        "visible": show_sem,
                        "thickness": 1,
                        "width": 2,
                    },
                    customdata=curve["n"].to_numpy(),
                    hovertemplate="n=%{customdata}<br>KL=%{x:.3f}<br>%{y:.4f}",
                    name=method,
                    legendgroup=method,
                    showlegend=column == 1,
                    mode="lines+markers",
                    line={"color": color, "dash": FAMILY_DASH[family], "width": 2},
                    marker={"symbol": FAMILY_SYMBOL[family], "size": 6},
                ),
                row=1,
                col=column,
            )

    y_title = "normalised reward" if normalized else "reward"
    for column in range(1, len(evals) + 1):
        fig.update_xaxes(title_text="KL<sub>bon</sub> (nats)", row=1, col=column)
        fig.update_yaxes(title_text=y_title, row=1, col=column)

    if title is None:
        title = f"Best-of-n: {', '.join(families)} ({penalty} penalty)"
    fig.update_layout(
        title=title,
        template="plotly_white",
        width=1000,
        height=420,
        legend={"title": "method", "tracegroupgap": 2},
        margin={"l": 60, "r": 20, "t": 70, "b": 50},
    )
    return fig


def find_browser() -> str | None:
    """Return the Chrome/Chromium binary kaleido would use, or None.

    ``BROWSER_PATH`` wins when it is set to an existing file, then the names in
    ``BROWSER_NAMES`` on ``PATH``, then ``/usr/bin/chromium``.
    """
    override = os.environ.get("BROWSER_PATH")
    if override:
        return override if Path(override).is_file() else None

    for name in BROWSER_NAMES:
        path = shutil.which(name)
        if path:
            return path
    if Path("/usr/bin/chromium").is_file():
        return "/usr/bin/chromium"
    return None


def save_figure(
    fig: go.Figure,
    path_stem: str | os.PathLike,
    *,
    png: bool = True,
    include_plotlyjs: bool | str = "directory",
    scale: float = 2.0,
) -> list[Path]:
    """Write ``fig`` to ``{path_stem}.html`` and ``{path_stem}.png``.

    The HTML uses ``include_plotlyjs="directory"`` by default: plotly.js is
    written once as ``plotly.min.js`` next to the HTML files (about 4.7 MB), so a
    folder of figures opens offline as long as that file travels with them. Pass
    ``include_plotlyjs=True`` to embed it in every HTML file instead.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    path_stem : str or path-like
        Output path without extension; parent folders are created.
    png : bool
        Also write a static PNG through kaleido.
    include_plotlyjs : bool or str
        Passed to ``plotly.io.write_html``. ``"cdn"`` is rejected because the
        figure would need network access to open.
    scale : float
        PNG resolution multiplier of the figure's layout size.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    RuntimeError
        If ``png`` is True and no Chrome/Chromium is found. The HTML file has
        already been written then.
    """
    if include_plotlyjs == "cdn" or (
        isinstance(include_plotlyjs, str) and include_plotlyjs.startswith("http")
    ):
        raise ValueError(
            f"include_plotlyjs={include_plotlyjs!r} loads plotly.js from the network; "
            "use 'directory' or True so the HTML opens offline."
        )

    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    html_path = stem.with_name(stem.name + ".html")
    fig.write_html(html_path, include_plotlyjs=include_plotlyjs)
    written = [html_path]
    logger.info("Wrote %s", html_path)
    if not png:
        return written

    browser = find_browser()
    if browser is None:
        raise RuntimeError(
            f"No Chrome or Chromium found for the PNG export of {stem}.png (HTML "
            f"written to {html_path}). Install Debian's chromium package "
            "(apt-get install chromium) or set BROWSER_PATH to a Chromium binary, "
            "or call save_figure(..., png=False)."
        )

    png_path = stem.with_name(stem.name + ".png")
    _write_png(fig, png_path, scale)
    written.append(png_path)
    logger.info("Wrote %s with %s", png_path, browser)
    return written


def _write_png(fig: go.Figure, png_path: Path, scale: float) -> None:
    from kaleido.errors import JavascriptError

    # NOTE: kaleido 1.5.1 sometimes evaluates its render call before its page
    # script has loaded ("ReferenceError: kaleido_scopes is not defined"), seen
    # in about 1 of 10 exports on a busy 2-core machine. A fresh attempt works.
    for attempt in range(1, PNG_ATTEMPTS + 1):
        try:
            fig.write_image(png_path, format="png", scale=scale)
            return
        except JavascriptError as error:
            if attempt == PNG_ATTEMPTS:
                raise
            logger.warning(
                "PNG export of %s failed (attempt %d of %d), retrying: %s",
                png_path,
                attempt,
                PNG_ATTEMPTS,
                str(error)[:200],
            )


# Figures of the study's main result, written by notebook 07: (file stem, families,
# penalty, title).
BON_FIGURES = (
    (
        "bon_la_var",
        ("MAP", "LA"),
        "var",
        "MAP vs Laplace-LoRA, variance penalty r − k·Λ",
    ),
    ("bon_la_std", ("MAP", "LA"), "std", "MAP vs Laplace-LoRA, std penalty r − k·√Λ"),
    (
        "bon_ens_var",
        ("MAP", "Ens", "LA Ens"),
        "var",
        "Ensembles, variance penalty (k/m²)·ΣΛᵢ",
    ),
    (
        "bon_ens_std",
        ("MAP", "Ens", "LA Ens"),
        "std",
        "Ensembles, std penalty (k/m)·√ΣΛᵢ",
    ),
)


def write_bon_figures(table: pd.DataFrame, out_dir: str | os.PathLike) -> list[Path]:
    """Write the normalised BoN figures and the table behind them to ``out_dir``.

    Each figure is written as HTML and PNG (see :func:`save_figure`); the
    normalised numbers go to ``bon_estimates_normalized.csv`` beside them.
    """
    from bayesrm_utils.bon import normalize_bon_table

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    normalized = normalize_bon_table(table)
    written = []
    present = set(table["family"])
    for stem, families, penalty, title in BON_FIGURES:
        if not set(families) <= present:
            logger.info("skipping %s: the table has no %s rows", stem, families)
            continue
        fig = bon_curve_figure(
            normalized, families=families, penalty=penalty, title=title
        )
        written.extend(save_figure(fig, out_dir / stem))
    csv_path = out_dir / "bon_estimates_normalized.csv"
    normalized.to_csv(csv_path, index=False, float_format="%.6g")
    written.append(csv_path)
    return written


def loss_figure(
    log: pd.DataFrame, *, x: str, y: str, color: str | None = None, title: str = ""
) -> go.Figure:
    """Line plot of a training log column, one line per value of ``color``."""
    fig = go.Figure()
    groups = log.groupby(color) if color else [(None, log)]
    for key, rows in groups:
        name = f"{color} {key}" if color else y
        fig.add_trace(go.Scatter(x=rows[x], y=rows[y], mode="lines+markers", name=name))
    fig.update_layout(
        title=title, xaxis_title=x, yaxis_title=y, template="simple_white"
    )
    return fig


def histogram_figure(frame: pd.DataFrame, *, column: str, title: str = "") -> go.Figure:
    fig = go.Figure(go.Histogram(x=frame[column], nbinsx=40))
    fig.update_layout(
        title=title, xaxis_title=column, yaxis_title="count", template="simple_white"
    )
    return fig


def scatter_figure(
    proxy, gold, std, *, max_points: int = 5000, seed: int = 0
) -> go.Figure:
    """Proxy against gold reward per response, coloured by the Laplace std.

    Shows at most ``max_points`` responses, drawn uniformly at random.
    """
    import numpy as np

    proxy, gold, std = (np.asarray(a).ravel() for a in (proxy, gold, std))
    shown = np.arange(proxy.size)
    if proxy.size > max_points:
        shown = np.random.default_rng(seed).choice(
            proxy.size, max_points, replace=False
        )
    fig = go.Figure(
        go.Scattergl(
            x=proxy[shown],
            y=gold[shown],
            mode="markers",
            marker=dict(
                color=std[shown],
                colorscale="Viridis",
                size=5,
                colorbar=dict(title="σ = √Λ"),
            ),
        )
    )
    subtitle = "" if shown.size == proxy.size else f" ({shown.size} of {proxy.size})"
    fig.update_layout(
        title=f"Proxy vs gold reward per response{subtitle}",
        xaxis_title="proxy reward (MAP)",
        yaxis_title="gold reward",
        template="simple_white",
    )
    return fig
