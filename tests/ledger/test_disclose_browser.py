"""The disclosure pages in a real headless browser (Debian's Chromium, installed by .ci/run):
each page loads without errors, its charts render as SVG, and a screenshot of each is
written into the test's output folder."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ledger import demo
from ledger.reports.disclose import disclose, parse_period
from ledger.service import Skillfund
from tests.conftest import submit
from tests.ledger.test_disclose import case_lines

CHROMIUM_TIMEOUT_SECONDS = 120
# The flags that make Debian's Chromium run headless as root on a machine without network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,2000",
]
PAGES_CHARTS = {"index.html": 0, "publicity.html": 0, "fund_use.html": 3, "statutory.html": 0}
FAILED_LOAD = re.compile(r"Failed to load resource|net::ERR_|Uncaught|SyntaxError")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SCREENSHOT_BYTES_MIN = 20_000


def chromium() -> str:
    """The Chromium binary; missing, the test skips on a developer's machine and fails in CI."""
    path = shutil.which("chromium")
    if path is None and os.environ.get("CI"):
        pytest.fail(
            "chromium is not installed: .ci/run must `apt-get install -y chromium fonts-wqy-zenhei`"
        )
    if path is None:
        pytest.skip("chromium is not installed (apt-get install -y chromium fonts-wqy-zenhei)")
    assert path is not None
    return path


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """One headless Chromium run with a fresh profile; its output as text."""
    command = [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--enable-logging=stderr"]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=CHROMIUM_TIMEOUT_SECONDS,
        check=False,
    )


@pytest.fixture
def pages(sf: Skillfund, tmp_path: Path) -> Path:
    """The demo year's 2020 disclosure, with a fraud case, written into the test's folder."""
    assert all(r.ok for r in submit(sf, *demo.demo_lines(), *case_lines()))
    out = tmp_path / "disclosure"
    disclose(sf, demo.FUND, parse_period("2020"), out)
    return out


@pytest.mark.parametrize("page", sorted(PAGES_CHARTS))
def test_the_page_loads_and_its_charts_render(pages: Path, page: str, tmp_path: Path) -> None:
    binary = chromium()
    url = (pages / page).as_uri()

    dumped = run_chromium(binary, tmp_path / f"profile-dom-{page}", "--dump-dom", url)

    dom = dumped.stdout
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    assert "</table>" in dom or page == "index.html"
    assert dom.count("<svg") == PAGES_CHARTS[page]
    assert "error" not in dom.lower()
    assert FAILED_LOAD.search(dumped.stderr) is None, dumped.stderr[-2000:]


def test_the_charts_draw_bars_and_the_balance_line(pages: Path, tmp_path: Path) -> None:
    binary = chromium()

    dom = run_chromium(
        binary, tmp_path / "profile", "--dump-dom", (pages / "fund_use.html").as_uri()
    ).stdout

    assert re.search(r'<path class="line" d="M \d+ \d+ H', dom)
    assert dom.count('class="bar"') >= 6
    assert 'id="chart-balance"' in dom and 'id="chart-by_month"' in dom


@pytest.mark.parametrize("page", sorted(PAGES_CHARTS))
def test_a_screenshot_of_the_page_is_written(pages: Path, page: str, tmp_path: Path) -> None:
    binary = chromium()
    shot = tmp_path / f"{Path(page).stem}.png"

    taken = run_chromium(
        binary, tmp_path / f"profile-shot-{page}", f"--screenshot={shot}", (pages / page).as_uri()
    )

    assert taken.returncode == 0, taken.stderr[-2000:]
    data = shot.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    assert len(data) > SCREENSHOT_BYTES_MIN
