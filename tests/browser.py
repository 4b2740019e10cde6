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
