"""The playground page (docs/playground.md) in headless chromium against the whole local stack:
every language's hello world from the picker, stdin, a compile error, a time limit, a judged run,
a share link, a refused key, the page's security headers and its first load, its dark scheme and
a phone-sized screen. The page's console must stay free of errors throughout (conftest)."""

import gzip
import json
import urllib.request

from browser_helpers import KEY, editor_text, hello, open_page, run, share_fragment
from glimpse.languages import LANGUAGES

FIRST_LOAD_LIMIT = 400 * 1024  # bytes, gzipped: the page's HTML, scripts and style sheets


def listed_languages(stack) -> list[str]:
    """What GET /v1/languages lists now: languages added later join the tests by themselves."""
    request = urllib.request.Request(f"{stack.url}/v1/languages", headers={"X-API-Key": KEY.value})
    with urllib.request.urlopen(request, timeout=30) as response:
        return [language["id"] for language in json.load(response)["languages"]]


def test_the_page_has_a_strict_content_security_policy_and_fills_in_the_development_key(stack, page):
    response = page.goto(stack.page_url)
    page.locator("body[data-ready=true]").wait_for(state="attached")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy and "default-src 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["cache-control"] == "no-cache"
    assert page.input_value("#key") == KEY.value and page.get_attribute("#key", "type") == "password"
    options = page.locator("#language option").evaluate_all("options => options.map(option => option.value)")
    assert options == listed_languages(stack)
    # `/` is the same page.
    assert page.goto(stack.url + "/").headers["content-security-policy"].startswith("default-src 'none'")


def test_every_listed_language_runs_its_hello_world_from_the_picker(stack, page, screenshots):
    open_page(page, stack.page_url)
    failed = {}
    for language in listed_languages(stack):
        page.select_option("#language", language)
        page.click("#start-hello")
        program = hello(language)
        if editor_text(page) != program:
            failed[language] = f"the editor holds {editor_text(page)!r}, not {program!r}"
            continue
        # Highlighted: its string is a string token (playground/src/languages.js knows the language).
        page.locator(f"#editor[data-highlighted='{language}']").wait_for(state="attached")
        if not page.locator("#editor .tok-string").count():
            failed[language] = "not highlighted: playground/src/languages.js has no CodeMirror support for it"
            continue
        result = run(page)
        if (result.status, result.stdout) != ("ok", "Hello, World!\n") or result.notice:
            failed[language] = result
        elif not (result.time.endswith(" ms") and result.memory.endswith(" KB") and result.exit == "exit 0"):
            failed[language] = result
    assert not failed, failed


def test_stdin_is_echoed_run_from_the_keyboard(stack, page, screenshots):
    open_page(page, stack.page_url)
    page.select_option("#language", "python")
    page.click("#start-echo")
    assert editor_text(page) == (LANGUAGES / "python" / "programs" / "echo.py").read_text()
    page.fill("#stdin", "first line\nsecond line ✓\n")
    page.click("#editor .cm-content")
    result = run(page, keys="Control+Enter")
    assert (result.status, result.badge, result.stdout, result.stderr) == ("ok", "ok", "first line\nsecond line ✓\n", "")
    page.screenshot(path=screenshots / "playground-run.png", full_page=True)


def test_output_that_is_not_utf8_is_shown_as_its_bytes(stack, page):
    program = "import sys\nsys.stdout.buffer.write(b'caf\\xe9 \\xff\\n')\nprint('fine ✓', file=sys.stderr)\n"
    open_page(page, stack.page_url + share_fragment("python", program))
    result = run(page)
    assert result.status == "ok" and result.stderr == "fine ✓\n"
    assert page.text_content("#stdout-encoding") == "(not UTF-8: 7 bytes, in hex)"
    assert result.stdout == "00000000  63 61 66 e9 20 ff 0a" + " " * 27 + "  |caf. ..|"


def test_tab_leaves_the_editor_for_the_run_button(stack, page):
    """The editor does not trap Tab: the page is usable with the keyboard alone."""
    open_page(page, stack.page_url + share_fragment("python", "print('keyboard')"))
    page.click("#editor .cm-content")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "run"
    result = run(page, keys="Enter")
    assert result.stdout == "keyboard\n"


def test_a_compile_error_is_shown_in_the_compiler_pane(stack, page):
    program = (LANGUAGES / "c" / "programs" / "compile_error.c").read_text()
    open_page(page, stack.page_url + share_fragment("c", program))
    result = run(page)
    assert result.status == "compile_error" and result.badge == "compile error"
    assert "error" in result.compiler and result.stdout == "" and result.exit == ""


def test_a_time_limit_is_shown_as_such(stack, page):
    open_page(page, stack.page_url + share_fragment("python", "while True:\n    pass\n"))
    page.fill("#time-ms", "500")
    result = run(page)
    assert (result.status, result.badge) == ("time_limit", "time limit")
    assert "time limit of 500 ms" in result.message and result.exit == "signal SIGKILL"


def test_a_limit_beyond_what_the_api_allows_is_refused_before_sending(stack, page):
    open_page(page, stack.page_url)
    assert page.get_attribute("#time-ms", "max") == "26000" and page.get_attribute("#memory-mb", "max") == "2048"
    page.fill("#memory-mb", "999999")
    page.click("#run")
    page.locator("#notice:not([hidden])").wait_for()
    assert "Memory limit (MB)" in page.text_content("#notice")
    assert page.get_attribute("#summary", "data-run") == "0"  # nothing was sent


def test_a_judged_run_shows_a_verdict_per_test(stack, page, screenshots):
    program = "a, b = map(int, input().split())\nprint(a + b)\n"
    open_page(page, stack.page_url + share_fragment("python", program))
    for stdin, expected in (("1 2", "3"), ("20 22", "43")):
        page.click("#add-case")
        case = page.locator("#cases .case").last
        case.locator(".case-stdin").fill(stdin)
        case.locator(".case-expected").fill(expected)
    page.select_option("#compare", "tokens")
    result = run(page, button="#judge")
    assert (result.status, result.badge) == ("wrong_answer", "wrong answer")
    verdicts = page.locator("#verdict-rows tr td:nth-child(2) .badge")
    assert [verdicts.nth(index).get_attribute("data-status") for index in range(verdicts.count())] == ["accepted", "wrong_answer"]
    cases = page.locator("#cases .case-verdict")
    assert [cases.nth(index).text_content() for index in range(cases.count())] == ["accepted", "wrong answer"]
    assert result.stdout == "42\n" and "output of test 2" in result.message  # the output of the test not accepted
    page.screenshot(path=screenshots / "playground-judge.png", full_page=True)


def test_a_share_link_reopens_the_same_program(stack, page, context):
    open_page(page, stack.page_url)
    page.select_option("#language", "javascript")
    page.click("#editor .cm-content")
    page.keyboard.press("Control+a")
    page.keyboard.insert_text("console.log(require('fs').readFileSync(0, 'utf8').toUpperCase() + ' ✓')")
    page.fill("#stdin", "shared stdin")
    page.click("#share")
    page.locator("#share-link:not([hidden])").wait_for()
    link = page.input_value("#share-link")
    assert link.startswith(stack.page_url + "#s=") and "shared" not in link  # compressed, in the fragment only
    other = context.new_page()
    try:
        open_page(other, link)
        assert other.input_value("#language") == "javascript"
        assert editor_text(other) == "console.log(require('fs').readFileSync(0, 'utf8').toUpperCase() + ' ✓')"
        assert other.input_value("#stdin") == "shared stdin"
        assert run(other).stdout == "SHARED STDIN ✓\n"
    finally:
        other.close()


def test_a_wrong_key_is_refused_with_a_message_and_kept_in_local_storage_only(stack, page):
    open_page(page, stack.page_url)
    page.console.expect(r"status of 403")  # the browser reports each refused request on the console
    try:
        page.fill("#key", "not-a-key-of-this-stack-at-all")
        page.keyboard.press("Tab")
        result = run(page)
        assert result.status == "none" and "The API key was refused (403)" in result.notice
        assert page.evaluate("localStorage.getItem('glimpse.apiKey')") == "not-a-key-of-this-stack-at-all"
    finally:
        page.fill("#key", KEY.value)  # the development key again, which is not stored
        page.keyboard.press("Tab")
    assert page.evaluate("localStorage.getItem('glimpse.apiKey')") is None
    assert run(page).status == "ok"


def test_the_first_load_is_at_most_400_kb_gzipped_with_immutable_assets(stack, browser):
    """What GET / loads in a browser with nothing cached: its HTML, scripts and style sheets."""
    context = browser.new_context()
    try:
        page = context.new_page()
        loaded = []
        # Everything but the page's own calls to the API (fetch): the HTML, scripts, style sheets.
        page.on("response", lambda response: loaded.append(response) if response.request.resource_type not in
                ("fetch", "xhr") else None)
        page.goto(stack.url + "/")
        page.locator("body[data-ready=true]").wait_for(state="attached")
        page.wait_for_load_state("networkidle")
        sizes = {response.url: len(gzip.compress(response.body(), compresslevel=9)) for response in loaded}
        for response in loaded:
            if response.request.resource_type != "document":
                assert response.headers["cache-control"] == "public, max-age=31536000, immutable", response.url
        total = sum(sizes.values())
        print(f"first load: {len(sizes)} files, {total} bytes gzipped ({total / 1024:.1f} KiB)")
        assert sum(1 for url in sizes if url.endswith(".css")) == 1 and len(sizes) >= 3
        assert total <= FIRST_LOAD_LIMIT, sizes
    finally:
        context.close()


def test_the_dark_scheme_follows_the_system_and_a_phone_screen_needs_no_sideways_scroll(stack, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, color_scheme="dark", is_mobile=True, has_touch=True)
    try:
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        open_page(page, stack.page_url)
        assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(21, 25, 30)"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        box = page.locator("#run").bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
        assert run(page).status == "ok"
        assert errors == []
    finally:
        context.close()

