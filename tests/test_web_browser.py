"""The web page in a real headless browser: Debian's chromium driven by Playwright, against a
``gitdigest serve`` started here, digesting repositories from a loopback git server.

With ``GITDIGEST_SCREENSHOTS=docs`` the screenshots land in docs/ (the README shows them);
otherwise in a temporary folder, so a test run never changes the repository.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, sync_playwright

from gitdigest import digest
from gitdigest.options import TOKENIZER_CHOICES
from gitdigest.web.formspec import FIRST, WEB_FIELDS

from .gitserver import GitHTTPServer
from .webserver import TOKEN, WebServer, free_port, git_server, isolated_env

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.extra]

CHROMIUM = "/usr/bin/chromium"  # Debian's package: Playwright's own download cannot work here
ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
RESULT = re.compile(r".*/d/[0-9a-f]{40}$")


@dataclass
class Served:
    git: GitHTTPServer
    web: WebServer
    host: str
    home: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, scanner_rules: Path) -> Iterator[Served]:
    tmp = tmp_path_factory.mktemp("web-page")
    with git_server(tmp) as git:
        host = git.url.removeprefix("http://")
        home = tmp_path_factory.mktemp("server-home")
        args = ["--allow-host", "127.0.0.1", "--http-host", host, "--rate", "100"]
        with WebServer(args, isolated_env(home, scanner_rules), tmp / "server.log") as web:
            yield Served(git, web, host, home)


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    """One chromium for the module, with a fresh profile folder."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is missing: apt-get install chromium (.ci/run does)")
    with sync_playwright() as driver, tempfile.TemporaryDirectory() as profile:
        context = driver.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, args=ARGS, headless=True,
            viewport={"width": 1200, "height": 820}, accept_downloads=True,
            permissions=["clipboard-read", "clipboard-write"])
        yield context
        context.close()


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    page = browser.new_page()
    page.set_default_timeout(120_000)  # a loaded 2-core CI machine clones slowly
    yield page
    page.close()


def shot(page: Page, name: str, tmp_path: Path, height: int | None = None) -> None:
    """A screenshot of the viewport, or of the page's first ``height`` pixels."""
    folder = Path(os.environ.get("GITDIGEST_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    clip = {"x": 0, "y": 0, "width": 1200, "height": height} if height else None
    page.screenshot(path=str(folder / name), full_page=height is not None, clip=clip)
    assert (folder / name).stat().st_size > 1000


def submit(page: Page, source: str) -> None:
    page.fill("#source", source)
    page.click("#submit")


@pytest.mark.slow
def test_first_visit_shows_the_form_built_from_the_options(served: Served, page: Page,
                                                            tmp_path: Path) -> None:
    page.goto(served.web.url + "/")
    assert page.locator("#source").is_visible()
    # a few plain-language choices; the rest folded away, every one from its declaration
    for name in FIRST:
        assert page.locator(f"#first [data-option][name={name}]").is_visible(), name
    for name in WEB_FIELDS:
        assert page.locator(f"#digest-form [data-option][name={name}]").count() == 1, name
    assert page.locator("#more").get_attribute("open") is None
    assert page.locator("select[name=tokenizer]").is_hidden()
    words = page.inner_text("#digest-form")
    assert "Fit into a model" in words and "More choices" in words
    page.click("#more summary")
    options = page.locator("select[name=tokenizer] option").all_inner_texts()
    assert tuple(option.split(" ")[0] for option in options) == TOKENIZER_CHOICES
    words = page.inner_text("#digest-form")
    assert "Largest file to include" in words
    assert "--" not in words and "repeatable" not in words and "needs the" not in words
    assert "At most 50,000 files" in page.text_content("#caps")
    page.click("#more summary")
    shot(page, "web-first-visit.png", tmp_path)


def test_the_favicon_is_served(served: Served, page: Page) -> None:
    response = page.goto(served.web.url + "/favicon.ico")
    assert response is not None and response.status == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert "<svg" in response.text()


@pytest.mark.slow
def test_submit_toggle_a_folder_and_back(served: Served, page: Page, tmp_path: Path) -> None:
    source = f"{served.git.url}/team/demo.git"
    page.goto(served.web.url + "/")
    submit(page, source)
    page.wait_for_url(RESULT)
    first = page.url
    expected = digest(source)
    assert page.inner_text("#tokens").startswith(f"{expected.summary.tokens:,} ")
    assert page.inner_text("#digest") == expected.render()
    assert page.locator("#bars tr").count() == 4
    # the summary, then the digest, then the tree (open: it is small) and the charts
    tops = [page.locator(where).bounding_box()["y"]  # type: ignore[index]
            for where in ("#summary", "#digest", "#tree", "#bars")]
    assert tops == sorted(tops)
    assert page.locator("#tree").get_attribute("open") is not None

    page.click("#tree button[data-path='docs/']")
    page.wait_for_url(lambda url: bool(RESULT.match(url)) and url != first)
    without = digest(source, exclude="/docs/")
    assert page.inner_text("#digest") == without.render()
    assert "FILE: docs/guide.md" not in page.inner_text("#digest")
    folder = page.locator("#tree button[data-path='docs/']")
    assert folder.get_attribute("data-state") == "excluded"
    shot(page, "web-result.png", tmp_path, height=1500)  # docs/ shown left out, ready to come back

    folder.click()  # back in: the same options as the first digest, so the same result
    page.wait_for_url(first)


@pytest.mark.slow
def test_copy_and_download(served: Served, page: Page) -> None:
    page.goto(served.web.url + "/")
    submit(page, f"{served.git.url}/team/demo.git")
    page.wait_for_url(RESULT)
    raw = urllib.request.urlopen(page.url + "/raw").read().decode()
    page.click("#copy")
    page.wait_for_selector("#copied", state="visible")
    assert page.evaluate("navigator.clipboard.readText()") == raw
    with page.expect_download() as download:
        page.click("#download")
    assert download.value.suggested_filename.startswith("demo-")
    assert Path(download.value.path()).read_text(encoding="utf-8") == raw


@pytest.mark.slow
def test_the_url_trick(served: Served, page: Page) -> None:
    page.goto(f"{served.web.url}/{served.host}/team/demo/tree/main/src")
    page.wait_for_url(RESULT)
    text = page.inner_text("#digest")
    assert "FILE: app.py" in text and "FILE: util.py" in text and "README" not in text


@pytest.mark.slow
def test_a_private_repository_with_a_token(served: Served, page: Page) -> None:
    page.goto(served.web.url + "/")
    submit(page, f"{served.git.url}/private/demo.git")
    page.locator("#error").wait_for(state="visible")
    assert "authentication" in page.locator("#error").inner_text()
    page.click("details.token summary")
    page.fill("#token", TOKEN)
    page.click("#submit")
    page.wait_for_url(RESULT)
    assert "FILE: src/app.py" in page.inner_text("#digest")
    assert TOKEN not in page.url
    assert TOKEN not in served.web.log
    assert not any(TOKEN in path for _, path, _ in served.git.requests)


@pytest.mark.slow
def test_refusals_are_shown(served: Served, page: Page, tmp_path: Path) -> None:
    cases = [
        (f"http://localhost:{served.git.port}/team/demo.git",
         "its operator can allow the host with --allow-host localhost"),
        ("file:///etc", "file:// sources are not allowed"),
        ("/etc", "operator can offer folders with --allow-local --root DIR"),
    ]
    page.goto(served.web.url + "/")
    for source, says in cases:
        submit(page, source)
        error = page.locator("#error")
        error.wait_for(state="visible")
        assert says in error.inner_text(), source
        if source == cases[0][0]:
            shot(page, "web-refused.png", tmp_path)
        page.evaluate("document.getElementById('error').hidden = true")


@pytest.mark.slow
def test_rate_limit_is_shown(served: Served, page: Page, tmp_path: Path,
                             scanner_rules: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    args = ["--allow-host", "127.0.0.1", "--rate", "1", "--fresh-for", "0"]
    with WebServer(args, isolated_env(home, scanner_rules), tmp_path / "log") as web:
        page.goto(web.url + "/")
        submit(page, f"{served.git.url}/team/demo.git")
        page.wait_for_url(RESULT)
        page.goto(web.url + "/")
        submit(page, f"{served.git.url}/team/demo.git")
        error = page.locator("#error")
        error.wait_for(state="visible")
        assert "rate limit: at most 1 digests a minute" in error.inner_text()


# --- another site's page cannot drive the server ---------------------------------------------

#: a page on another origin (127.0.0.1, another port: "same-site" to the browser, so only the
#: Origin check stands between it and the server) trying every request a page can send
#: without asking: no-cors fetches with a text/plain body, an image, and a plain form post
ATTACK = """<!doctype html><title>elsewhere</title>
<form id="form" method="post" action="{server}/api/digest" enctype="text/plain">
<input type="hidden" name='{{"source": "{source}", "exclude": ["x'" value='"]}}'>
</form>
<a id="link" href="{server}/{host}/team/demo">digest it</a>
<script>
const body = JSON.stringify({{source: "{source}", exclude: ["cross-site"]}});
const post = (path) => fetch("{server}" + path, {{method: "POST", mode: "no-cors",
  headers: {{"Content-Type": "text/plain"}}, body}}).then(() => "sent", (e) => String(e));
window.attempts = Promise.all([post("/api/digest"), post("/api/run"),
  new Promise((done) => {{ const image = new Image(); image.onload = image.onerror = done;
    image.src = "{server}/api/digest/{host}/team/demo.git?exclude=cross-site"; }})]);
</script>"""


@contextmanager
def elsewhere(html: str) -> Iterator[str]:
    """``html`` served at http://127.0.0.1:<another port>/ (the attacker's site)."""
    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            data = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            with suppress(ConnectionError):  # the browser may leave before the end
                self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def asked_git(served: Served) -> int:
    return sum(path.startswith("/team/demo") for _, path, _ in served.git.requests)


def test_another_sites_page_cannot_start_a_digest(served: Served, page: Page) -> None:
    source = f"{served.git.url}/team/demo.git"
    html = ATTACK.format(server=served.web.url, source=source, host=served.host)
    before = asked_git(served)
    refused_before = served.web.log.count('" 403 ')
    with elsewhere(html) as attacker:
        page.goto(attacker)
        assert page.evaluate("window.attempts")[:2] == ["sent", "sent"]  # they did go out
        with page.expect_navigation():
            page.evaluate("document.getElementById('form').submit()")
        # the form's own answer, in the visitor's tab: the 403 and why
        error = json.loads(page.inner_text("body"))["error"]
        assert error == ("a request started by another site's page (same-site) is refused: "
                         "only this server's own page may start a digest")
    assert asked_git(served) == before  # the server asked git for nothing
    log = served.web.log
    assert log.count('" 403 ') - refused_before == 4, log
    for request in ('"POST /api/digest HTTP/1.1" 403', '"POST /api/run HTTP/1.1" 403',
                    '"GET /api/digest/' + served.host + '/team/demo.git HTTP/1.1" 403'):
        assert request in log

    # the control: the server's own page sends the same request as JSON, and git is asked
    page.goto(served.web.url + "/")
    status = page.evaluate("""(source) => fetch("/api/digest", {method: "POST",
        headers: {"Content-Type": "application/json"},
        body: JSON.stringify({source, exclude: ["cross-site"]})}).then((r) => r.status)""",
                           source)
    assert status == 200 and asked_git(served) > before


def test_a_link_from_another_site_fills_the_form_in_and_waits(served: Served,
                                                               page: Page) -> None:
    source = f"{served.git.url}/team/demo.git"
    html = ATTACK.format(server=served.web.url, source=source, host=served.host)
    with elsewhere(html) as attacker:
        page.goto(attacker)
        page.evaluate("window.attempts")
        before = asked_git(served)
        with page.expect_navigation():
            page.click("#link")
    assert page.locator("#confirm").is_visible()
    assert page.input_value("#source") == f"http://{served.host}/team/demo"
    page.wait_for_timeout(1000)
    assert page.locator("#progress").is_hidden() and asked_git(served) == before
    page.click("#submit")  # the visitor agrees
    page.wait_for_url(RESULT)
