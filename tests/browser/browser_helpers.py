"""Helpers for the browser tests (a module of its own: conftest is not importable): the browser's
launch, the console, the share links the page reads, and the page's own controls."""

from __future__ import annotations

import base64
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from glimpse.languages import LANGUAGES
from glimpse_local.gateway import ApiKey

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"  # Debian's (make chromium)
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
KEY = ApiKey.of("glimpse-browser-test-development-key")
RUN_TIMEOUT_MS = 120_000  # a run, a cold start of its runner (a JVM) and its compile included


class Console:
    """The page's console errors and uncaught exceptions, since the last reset."""

    def __init__(self, page) -> None:
        self.errors: list[str] = []
        self.expected: list[re.Pattern] = []
        page.on("console", lambda message: self.errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught: {error}"))

    def reset(self) -> None:
        self.errors.clear()
        self.expected.clear()

    def expect(self, pattern: str) -> None:
        self.expected.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [error for error in self.errors if not any(pattern.search(error) for pattern in self.expected)]


def hello(language: str) -> str:
    return next((LANGUAGES / language / "programs").glob("hello.*")).read_text()


def share_fragment(language: str, code: str, stdin: str = "") -> str:
    """A share link's fragment, as the page writes it (playground/src/share.js): the program as
    JSON, deflated (raw), in base64url."""
    document = json.dumps({"v": 1, "language": language, "code": code, "stdin": stdin}).encode()
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = compressor.compress(document) + compressor.flush()
    return "#s=" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


def open_page(page, url: str) -> None:
    """Load the page anew at this URL and wait until it has read its link and listed the languages."""
    page.goto("about:blank")
    page.goto(url)
    page.locator("body[data-ready=true]").wait_for(state="attached")


def editor_text(page) -> str:
    return "\n".join(page.locator("#editor .cm-line").all_text_contents())


@dataclass
class Shown:
    status: str
    badge: str
    stdout: str
    stderr: str
    compiler: str
    message: str
    time: str
    memory: str
    exit: str
    notice: str


def shown(page) -> Shown:
    text = {name: page.locator(f"#{name}").text_content() for name in
            ("stdout", "stderr", "compiler", "stage-message", "time", "memory", "exit", "notice")}
    return Shown(status=page.locator("#status").get_attribute("data-status"), badge=page.locator("#status").text_content(),
                 stdout=text["stdout"], stderr=text["stderr"], compiler=text["compiler"], message=text["stage-message"],
                 time=text["time"], memory=text["memory"], exit=text["exit"], notice=text["notice"])


def run(page, *, button: str = "#run", keys: str | None = None) -> Shown:
    """Run with a button, or with `keys` pressed where the focus is, and wait for what the page shows."""
    before = int(page.locator("#summary").get_attribute("data-run"))
    if keys:
        page.keyboard.press(keys)
    else:
        page.click(button)
    page.locator(f"#summary[data-run='{before + 1}']").wait_for(state="attached", timeout=RUN_TIMEOUT_MS)
    return shown(page)
