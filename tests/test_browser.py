"""The built book in a real browser: every page's math is typeset, its images load, the widget shows.

The HTML of the session's book build (``built_book``, conftest.py) is served by a local http.server on
127.0.0.1 and opened in headless Chromium through Selenium, with Debian's ``/usr/bin/chromium`` and
``/usr/bin/chromedriver``; Selenium Manager is never asked to find or download anything. Nothing
leaves the machine: the book serves MathJax and the widget manager itself (``make vendor``), and a
page that still reaches for a CDN fails here.

The module skips where chromium, chromedriver or selenium is missing; CI installs them (``.ci/run``).
A screenshot of one chapter is kept as a test artifact in ``$DDTW_EDU_ARTIFACTS``, else
``tests/artifacts/``.
"""
import base64
import functools
import http.server
import os
import re
import threading
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
SCREENSHOT_PAGE = "notebooks/04_ddtw"          # the chapter with the interactive cell
ARTIFACTS = Path(os.environ.get("DDTW_EDU_ARTIFACTS") or ROOT / "tests" / "artifacts")
WAIT_S = 30
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver "
                                       "(/usr/bin/chromium, /usr/bin/chromedriver; .ci/run installs them)")
webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -r requirements.txt)")
from selenium.common.exceptions import TimeoutException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.selenium_manager import SeleniumManager  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def toc_pages(toc_file=ROOT / "_toc.yml"):
    """The book's pages in reading order, as listed in the table of contents (no file suffix)."""
    toc = yaml.safe_load(toc_file.read_text())
    pages = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                pages.append(entry["file"])
            for key in ("parts", "chapters", "sections"):
                walk(entry.get(key))

    walk([{key: toc[key]} for key in ("parts", "chapters", "sections") if key in toc])
    return [re.sub(r"\.(md|ipynb|rst)$", "", page) for page in pages]


PAGES = toc_pages()

# Text of the article's prose (paragraphs, list items, table cells, captions, headings) without code
# and without typeset math: what is left of a formula here is TeX that MathJax did not typeset.
PROSE_JS = """
const out = [];
const prose = 'p, li, td, th, dt, dd, figcaption, caption, h1, h2, h3, h4, h5, h6';
for (const node of document.querySelectorAll('article.bd-article :is(' + prose + ')')) {
  const copy = node.cloneNode(true);
  copy.querySelectorAll('code, pre, .highlight, script, mjx-container').forEach(e => e.remove());
  out.push(copy.textContent.replace(/\\s+/g, ' ').trim());
}
return out;
"""
RAW_TEX = re.compile(r"\$\$|\\[()\[\]]|\\begin\{|\$[^$\s]([^$]*[^$\s])?\$|\\[A-Za-z]{2,}")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 (the base class's name)
        pass


@pytest.fixture(scope="module")
def book_url(built_book):
    """Base URL of the built HTML, served on 127.0.0.1 on a free port from a thread."""
    missing = [page for page in PAGES if not (built_book.html / f"{page}.html").is_file()]
    assert not missing, f"the book build produced no HTML for {missing}:\n{built_book.log[-4000:]}"
    handler = functools.partial(_QuietHandler, directory=str(built_book.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, name="book-http-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Chromium driven through the system chromedriver; Selenium Manager must not run."""
    def no_selenium_manager(*args, **kwargs):
        raise AssertionError("Selenium Manager was asked for a driver or browser (it would try to download one)")

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-proxy-server", "--window-size=1280,1024", "--hide-scrollbars",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("SE_CHROMEDRIVER", raising=False)        # would replace the service's path
        for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"):
            mp.delenv(proxy, raising=False)                  # talk to chromedriver on localhost directly
        mp.setenv("SE_OFFLINE", "true")                      # Selenium Manager's own offline switch
        mp.setattr(SeleniumManager, "binary_paths", no_selenium_manager)
        service = Service(str(CHROMEDRIVER))
        driver = webdriver.Chrome(service=service, options=options)
        try:
            assert driver.service.path == str(CHROMEDRIVER)
            driver.set_page_load_timeout(60)
            yield driver
        finally:
            driver.quit()


def open_page(browser, book_url, page):
    """Load a page, wait until MathJax has typeset every formula, and return the page's browser log."""
    browser.get_log("browser")                               # drop what earlier pages logged
    browser.get(f"{book_url}{page}.html")
    WebDriverWait(browser, WAIT_S).until(lambda d: d.execute_script("return document.readyState") == "complete")
    counts = ("const m = [...document.querySelectorAll('article.bd-article .math')];"
              "return [m.length, m.filter(e => e.querySelector('mjx-container')).length];")

    def all_typeset(driver):
        total, typeset = driver.execute_script(counts)
        return total == typeset

    try:
        WebDriverWait(browser, WAIT_S).until(all_typeset)
    except TimeoutException:
        total, typeset = browser.execute_script(counts)
        pytest.fail(f"{page}: MathJax typeset {typeset} of {total} formulas within {WAIT_S} s")
    browser.execute_async_script("document.fonts.ready.then(() => arguments[arguments.length - 1](true))")
    return browser.get_log("browser")


def failed_loads(log):
    """Resources the page asked for and did not get (the favicon that Sphinx does not ship aside)."""
    return [entry["message"] for entry in log
            if entry.get("source") == "network" and entry["level"] == "SEVERE" and "/favicon.ico" not in entry["message"]]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_math_and_images(browser, book_url, built_book, page):
    log = open_page(browser, book_url, page)
    if 'class="math' in (built_book.html / f"{page}.html").read_text():   # the page has math: it is typeset
        assert browser.find_elements(By.CSS_SELECTOR, "article.bd-article mjx-container"), f"{page}: no typeset math"
    assert not browser.find_elements(By.CSS_SELECTOR, "mjx-merror"), f"{page}: MathJax reports a TeX error"
    fonts = browser.execute_script("return [...document.fonts].filter(f => f.family.startsWith('MJX'))"
                                   ".map(f => f.family + ': ' + f.status)")
    assert not [font for font in fonts if font.endswith(": error")], f"{page}: MathJax fonts failed: {fonts}"
    raw = [text for text in browser.execute_script(PROSE_JS) if RAW_TEX.search(text)]
    assert not raw, f"{page}: TeX left untypeset in the text: {raw[:5]}"

    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.execute_script("return [...document.querySelectorAll('article.bd-article img')]"
                                   ".every(i => i.complete)"))
    broken = browser.execute_script("return [...document.querySelectorAll('article.bd-article img')]"
                                    ".filter(i => !(i.naturalWidth > 0)).map(i => i.src.slice(0, 120))")
    assert not broken, f"{page}: images did not load: {broken}"

    failed = failed_loads(log)
    assert not failed, f"{page}: failed to load: {failed}"
    outside = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"
                                     ".filter(n => !n.startsWith(location.origin) && !n.startsWith('data:'))")
    assert not outside, f"{page}: requests leave the machine: {outside}"


def test_a_widget_is_shown(browser, book_url, built_book):
    """The frozen ipywidgets state is rendered by the book's own widget manager, controls and output."""
    pages = [page for page in PAGES if WIDGET_VIEW in (built_book.html / f"{page}.html").read_text()]
    assert pages, "no page of the book embeds a widget"
    for page in pages:
        views = (built_book.html / f"{page}.html").read_text().count(WIDGET_VIEW)
        log = open_page(browser, book_url, page)
        WebDriverWait(browser, WAIT_S).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, ".widget-subarea .jupyter-widgets")) > 0
            and len(d.find_elements(By.CSS_SELECTOR, ".widget-subarea")) >= views,
            message=f"{page}: the widget manager rendered no widget within {WAIT_S} s")
        shown = [w for w in browser.find_elements(By.CSS_SELECTOR, ".widget-subarea > .jupyter-widgets")
                 if w.is_displayed() and w.size["height"] > 0 and w.size["width"] > 0]
        assert len(shown) >= views, f"{page}: {len(shown)} of {views} widgets are visible"
        assert "Error displaying widget" not in browser.find_element(By.CSS_SELECTOR, "article.bd-article").text
        failed = failed_loads(log)
        assert not failed, f"{page}: failed to load: {failed}"


def test_screenshot_of_a_chapter(browser, book_url):
    """Keep a full-page screenshot of the widget chapter, and one of the widget in view, as test artifacts."""
    open_page(browser, book_url, SCREENSHOT_PAGE)
    WebDriverWait(browser, WAIT_S).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".widget-subarea .jupyter-widgets"))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = SCREENSHOT_PAGE.replace("/", "_")
    width, height = browser.execute_script("return [window.innerWidth, document.documentElement.scrollHeight]")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",      # a window as tall as the page
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    full = ARTIFACTS / f"{name}.png"
    full.write_bytes(base64.b64decode(shot["data"]))
    browser.execute_script("document.querySelector('.widget-subarea').scrollIntoView({block: 'center'})")
    widget = ARTIFACTS / f"{name}_widget.png"
    assert browser.save_screenshot(str(widget))
    for png in (full, widget):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{png} is not a PNG"
        assert png.stat().st_size > 10_000, f"{png} is only {png.stat().st_size} bytes"
