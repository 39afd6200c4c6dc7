"""Headless Chromium (Debian's, driven by Playwright) for the browser tests, with every outside request blocked."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = shutil.which("chromium")
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"  # kept after the run, for a person to look at


@contextlib.contextmanager
def chromium():
    if CHROMIUM is None:
        pytest.skip("Debian's chromium is not installed (`make hub-setup` installs it as root)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # Debian's build, never a browser of Playwright's own download; its sandbox needs user namespaces
        # that a root-run CI container may not give
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield browser
        finally:
            browser.close()


def offline_page(browser, allowed_netloc: str, blocked: list[str], **options):
    """A page that may only reach ``allowed_netloc``: any other request is aborted and listed in ``blocked``."""
    page = browser.new_page(**options)

    def handle(route, request):
        if urlsplit(request.url).netloc == allowed_netloc or request.url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            blocked.append(request.url)
            route.abort()

    page.route("**/*", handle)
    return page


def screenshot(page, folder: str, name: str) -> Path:
    """The whole page as ``test-artifacts/<folder>/<name>.png``."""
    path = ARTIFACTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 10_000
    print(f"screenshot: {path}")
    return path
