"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium through Playwright.

Without it a test is skipped, unless XINBAO_REQUIRE_BROWSER=1 (CI), then it fails.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run"]
TIMEOUT_MS = 15_000


@contextmanager
def chromium_context(**options: Any) -> Iterator[Any]:
    """A fresh browser context (Playwright's ``BrowserContext``) with ``options``."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("XINBAO_REQUIRE_BROWSER") == "1":
            pytest.fail(f"XINBAO_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=LAUNCH_ARGS)
        context = browser.new_context(**options)
        try:
            yield context
        finally:
            context.close()
            browser.close()


# What fails a page: what keeps a person from reading or using it (serious, critical) and any
# text a person cannot read against its background, whatever axe-core calls its impact.
BLOCKING_IMPACTS = ("serious", "critical")


def accessibility_problems(page: Any) -> list[str]:
    """axe-core's violations on the page as it is now that fail a page, one line each (the
    rule, its impact and the first elements it names)."""
    from axe_playwright_python.sync_playwright import Axe

    violations = Axe().run(page).response["violations"]
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(" ".join(node["target"]) for node in v["nodes"][:4])
            for v in violations
            if v["impact"] in BLOCKING_IMPACTS or v["id"] == "color-contrast"]


def shoot(page: Any, name: str) -> Path:
    """A screenshot of the whole page, kept in test-artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


# The WCAG contrast ratio of an element's text against the colour behind it (the first
# ancestor with an opaque background), both as the browser computed them.
CONTRAST = """(element) => {
  const rgb = (text) => text.match(/[\\d.]+/g).map(Number);
  const luminance = ([r, g, b]) => {
    const linear = (c) => {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    };
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
  };
  let behind = element;
  while (behind) {
    const colour = rgb(getComputedStyle(behind).backgroundColor);
    if (colour.length < 4 || colour[3] === 1) break;
    behind = behind.parentElement;
  }
  const back = behind ? rgb(getComputedStyle(behind).backgroundColor) : [255, 255, 255];
  const front = rgb(getComputedStyle(element).color);
  const [light, dark] = [luminance(front), luminance(back)].sort((a, b) => b - a);
  return { ratio: (light + 0.05) / (dark + 0.05), color: getComputedStyle(element).color,
           background: behind ? getComputedStyle(behind).backgroundColor : 'white' };
}"""

# How many lines an element's text takes (a label that wraps takes two).
TEXT_LINES = """(element) => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0)
                         .map((r) => Math.round(r.top)));
  return tops.size;
}"""
