"""Drive the explorer notebook in JupyterLab with a headless Chromium.

Needs Debian's ``chromium`` (or another Chromium at ``$BAYESRM_CHROMIUM``) and the
PyPI ``playwright`` package, which ``scripts/install_browser.sh`` installs. Without
them the test is skipped with a reason that names what is missing. Set
``BAYESRM_SCREENSHOT`` to a path to keep the screenshot of the explorer, e.g.
``docs/explorer.png``.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from bon_run_fixture import synthetic_run

from bayesrm_utils.explorer import ExplorerData, rank_prompt

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Flags that let Chromium run headless as root without reaching any network host.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Milliseconds the browser waits for a page element or a changed value.
WAIT_MS = 90_000


def find_chromium() -> str | None:
    candidates = [
        os.environ.get("BAYESRM_CHROMIUM"),
        "/usr/bin/chromium",
        shutil.which("chromium"),
        shutil.which("chromium-browser"),
    ]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


@pytest.fixture(scope="module")
def chromium():
    path = find_chromium()
    if path is None:
        pytest.skip(
            "No Chromium found (looked at $BAYESRM_CHROMIUM, /usr/bin/chromium and "
            "PATH); run scripts/install_browser.sh to install Debian's chromium."
        )
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip(
            "The playwright Python package is missing; run "
            "scripts/install_browser.sh to install it into .venv."
        )
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare_notebook(root: Path, run_dir: Path) -> Path:
    """Convert the explorer notebook and inject its parameters, without running it."""
    notebook = root / "explore.ipynb"
    subprocess.run(
        [BIN / "jupytext", "--quiet", "--to", "ipynb", "--set-kernel", "python3",
         "-o", root / "source.ipynb", REPO / "notebooks" / "08_explore_responses.py"],
        check=True, timeout=60,
    )  # fmt: skip
    subprocess.run(
        [BIN / "papermill", "--prepare-only", root / "source.ipynb", notebook,
         "-p", "run_dir", str(run_dir), "-p", "method", "MAP", "-p", "page_size", "8"],
        check=True, timeout=60, capture_output=True,
    )  # fmt: skip
    (root / "source.ipynb").unlink()
    return notebook


@pytest.fixture
def jupyter_lab(tmp_path):
    """Start JupyterLab on a free localhost port; stop it and its kernels after."""
    root = tmp_path / "lab"
    root.mkdir()
    config = tmp_path / "jupyter-config"
    (config / "labconfig").mkdir(parents=True)
    # The news announcement pops up over the notebook and would cover the widgets.
    (config / "labconfig" / "page_config.json").write_text(
        json.dumps(
            {
                "disabledExtensions": {
                    "@jupyterlab/apputils-extension:announcements": True
                }
            }
        )
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(REPO), os.environ.get("PYTHONPATH")) if p
        ),
        "JUPYTER_CONFIG_DIR": str(config),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }

    port, token = free_port(), os.urandom(16).hex()
    log = (tmp_path / "jupyter-lab.log").open("w")
    process = subprocess.Popen(
        [BIN / "jupyter-lab", "--no-browser", "--allow-root", "--ip=127.0.0.1",
         f"--port={port}", "--ServerApp.port_retries=0",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True"],
        env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"

    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(
                    f"{url}/api/status?token={token}", timeout=2
                ):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail(
                        f"JupyterLab did not answer on port {port} within 60 s "
                        f"(exit code {process.poll()}). Its log:\n"
                        + (tmp_path / "jupyter-lab.log").read_text()[-3000:]
                    )
                time.sleep(0.5)

        yield root, url, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        log.close()


def table_rows(page, selector: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"{selector} tbody tr",
        "rows => rows.map(r => Array.from(r.cells, c => c.innerText.trim()))",
    )


def isolated_point(x: np.ndarray, y: np.ndarray) -> int:
    """Index of the point farthest from its nearest neighbour, axes scaled to 1."""
    points = np.stack([x / np.ptp(x), y / np.ptp(y)], axis=1)
    distances = np.linalg.norm(points[:, None] - points[None], axis=-1)
    np.fill_diagonal(distances, np.inf)
    return int(np.argmax(distances.min(axis=1)))


def test_explorer_in_jupyterlab(chromium, jupyter_lab, tmp_path):
    from playwright.sync_api import sync_playwright

    root, url, token = jupyter_lab
    run_dir = synthetic_run(root / "runs" / "synthetic", n_prompts=6, n_samples=24)
    notebook = prepare_notebook(root, run_dir)
    data = ExplorerData.open(run_dir)
    screenshot = Path(os.environ.get("BAYESRM_SCREENSHOT") or tmp_path / "explorer.png")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch_persistent_context(
            tmp_path / "chromium-profile",
            executable_path=chromium,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1400, "height": 2000},
        )
        try:
            page = browser.new_page()
            page.set_default_timeout(WAIT_MS)
            page.goto(f"{url}/lab/tree/{notebook.name}?token={token}")

            # Run every cell once the notebook's kernel is idle.
            page.wait_for_function(
                "() => window.jupyterapp?.shell.currentWidget?.sessionContext"
                "?.session?.kernel?.status === 'idle'"
            )
            page.evaluate("window.jupyterapp.shell.collapseLeft()")
            page.evaluate(
                "window.jupyterapp.commands.execute('notebook:run-all-cells')"
            )
            page.wait_for_selector(".bayesrm-table table")

            # The initial MAP ranking of prompt 0, first page.
            expected = rank_prompt(data, 0, "MAP").head(8)
            rows = table_rows(page, ".bayesrm-table")
            assert [int(r[1]) for r in rows] == expected["sample_index"].tolist()
            assert [r[4] for r in rows] == [
                f"{v:.3f}" for v in expected["ranking_reward"]
            ]

            # Choosing LA var re-ranks by r - k * var with the notebook's k = 1.
            page.select_option(".bayesrm-method select", "LA var")
            expected = rank_prompt(data, 0, "LA var", 1.0).head(8)
            first = f"{expected['ranking_reward'].iloc[0]:.3f}"
            page.wait_for_function(
                "value => document.querySelector('.bayesrm-table tbody tr')"
                ".cells[4].innerText.trim() === value",
                arg=first,
            )
            rows = table_rows(page, ".bayesrm-table")
            assert [int(r[1]) for r in rows] == expected["sample_index"].tolist()
            assert [r[4] for r in rows] == [
                f"{v:.3f}" for v in expected["ranking_reward"]
            ]

            # One key press moves the n slider from N = 24 to 23, which changes the
            # pick probabilities.
            page.focus(".bayesrm-n .noUi-handle")
            page.keyboard.press("ArrowLeft")
            page.wait_for_function(
                "() => document.querySelector('.bayesrm-table thead')"
                ".innerText.includes('n=23')"
            )
            expected = rank_prompt(data, 0, "LA var", 1.0, n=23).head(8)
            rows = table_rows(page, ".bayesrm-table")
            assert [r[3] for r in rows] == [f"{p:.3g}" for p in expected["p_pick"]]

            # Typing into the slider's readout sets n directly.
            page.click(".bayesrm-n .widget-readout")
            page.keyboard.press("Control+A")
            page.keyboard.type("8")
            page.keyboard.press("Enter")
            page.wait_for_function(
                "() => document.querySelector('.bayesrm-table thead')"
                ".innerText.includes('n=8')"
            )
            expected = rank_prompt(data, 0, "LA var", 1.0, n=8).head(8)
            rows = table_rows(page, ".bayesrm-table")
            assert [r[3] for r in rows] == [f"{p:.3g}" for p in expected["p_pick"]]

            # The response panel shows the top-ranked response in full.
            top = data.response(0, int(expected["sample_index"].iloc[0]))
            response = page.inner_text(".bayesrm-response")
            assert top["response"].splitlines()[0] in response

            # The overoptimization tab lists the largest gaps first.
            page.click(".bayesrm-explorer .lm-TabBar-tab >> text=Overoptimized")
            page.wait_for_selector(".bayesrm-overoptimized tbody tr")
            gaps = [float(r[2]) for r in table_rows(page, ".bayesrm-overoptimized")]
            assert len(gaps) == 8
            assert gaps == sorted(gaps, reverse=True)

            # Clicking a point of the scatter plot shows that response. All 144
            # responses are drawn in (prompt, sample) order; plotly picks the point
            # nearest to the mouse, so the most isolated one is clicked.
            page.click(".bayesrm-explorer .lm-TabBar-tab >> text=Proxy vs gold")
            trace = page.locator(".js-plotly-plot .scatterlayer .trace").first
            assert trace.locator(".point").count() == 6 * 24
            point = isolated_point(data.seed_means[0].ravel(), data.gold.ravel())
            trace.locator(".point").nth(point).click(force=True)
            prompt, sample = divmod(point, 24)
            page.wait_for_function(
                "header => document.querySelector('.bayesrm-response b')"
                ".innerText.startsWith(header)",
                arg=f"prompt {prompt} · sample {sample} ·",
            )
            text = data.response(prompt, sample)["response"]
            assert text.splitlines()[0] in page.inner_text(".bayesrm-response")
            page.click(".bayesrm-explorer .lm-TabBar-tab >> text=Ranked responses")
            row = f"rank 1: sample {top['sample_index']}"
            page.select_option(".bayesrm-row select", label=row)
            page.wait_for_function(
                "header => document.querySelector('.bayesrm-response b')"
                ".innerText.startsWith(header)",
                arg=f"prompt 0 · sample {top['sample_index']} ·",
            )

            page.evaluate("document.activeElement.blur()")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.locator(".bayesrm-explorer").screenshot(path=str(screenshot))
        finally:
            browser.close()

    assert screenshot.stat().st_size > 10_000
