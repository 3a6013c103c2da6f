"""The playground page in a real browser: Debian's chromium, headless, driven by Playwright for
Python with the system's executable (Playwright never downloads a browser here). One local stack,
one browser and one page for the module (torn down after it: the stack's environments are this
process's children, which later tests count); `make test` installs chromium first (`make
chromium`), and without it these tests fail saying how, never skip."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from browser_helpers import CHROMIUM, CHROMIUM_ARGS, KEY, ROOT, Console
from glimpse_local.stack import LocalStack


@pytest.fixture(scope="module")
def stack():
    """The local stack as `make dev` runs it, the playground filling in KEY as the development key."""
    with LocalStack(ROOT, keys=[KEY], port=0, warm=0, page_key=KEY) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"the browser tests need Debian's chromium at {CHROMIUM}: `make chromium` installs it as root "
                    "(`apt-get install chromium`)", pytrace=False)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="light", locale="en-US")
    context.set_default_timeout(30_000)
    yield context
    context.close()


@pytest.fixture(scope="module")
def page(context):
    """One page for every test: each test opens what it needs in it."""
    page = context.new_page()
    page.console = Console(page)
    yield page
    page.close()


@pytest.fixture(autouse=True)
def no_console_errors(request):
    """Every test that used the page ends with no error on the page's console (a failed script, a
    CSP violation) but the ones it said it expects (`page.console.expect(...)`)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    page.console.reset()
    yield
    assert page.console.unexpected() == []


@pytest.fixture(scope="session")
def screenshots() -> Path:
    """Where the tests' screenshots go: docs/ with GLIMPSE_UPDATE_SCREENSHOTS=1 (docs/playground.md
    shows them), else build/screenshots/ (a run's timings differ: the docs' copies change only when asked)."""
    folder = ROOT / "docs" if os.environ.get("GLIMPSE_UPDATE_SCREENSHOTS") == "1" else ROOT / "build" / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
