"""The built book in a real browser, page by page at 1280 px: math typeset, images loaded, nothing cut off.

The HTML of the session's book build (``built_book``, conftest.py) is served by a local http.server on
127.0.0.1 and opened in headless Chromium through Selenium, with Debian's ``/usr/bin/chromium`` and
``/usr/bin/chromedriver``; Selenium Manager is never asked to find or download anything. Nothing
leaves the machine: the book serves MathJax and the widget manager itself (``make vendor``), and a
page that still reaches for a CDN fails here.

Every page must log no error in the browser console, keep its code, outputs and display equations
within the text column (nothing scrolls sideways, with the window's classic scrollbar shown as on
Windows and most Linux desktops, and with hidden inputs opened), and render tables as tables, never
as Markdown text inside an output. A full-page screenshot of every page is kept as a test artifact in
``$DDTW_EDU_ARTIFACTS``, else ``tests/artifacts/``: look at them.

The module skips where chromium, chromedriver or selenium is missing (``make test`` and ``.ci/run``
install them).
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
ARTIFACTS = Path(os.environ.get("DDTW_EDU_ARTIFACTS") or ROOT / "tests" / "artifacts")
WAIT_S = 30
WIDGET_MIME = "application/vnd.jupyter.widget-"      # -view+json and -state+json

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver: "
                                       "`apt-get install chromium chromium-driver` (make test does it as root)")
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


# What sticks out of the text column: code and output blocks that scroll sideways, display equations
# wider than their box, tables wider than the column, and Markdown table text printed inside an output
# instead of a table. And what a squeezed table does: a one-word cell ("SDTW-E-W", "top-1") or a short
# code literal in a cell (`(2M + 1,)`) broken over two lines (formulas, whose sub- and superscripts sit
# lower and higher, aside).
LAYOUT_JS = r"""
const article = document.querySelector('article.bd-article');
article.querySelectorAll('details').forEach(e => { e.open = true; });   // hidden inputs, opened as a reader would
const longest = e => e.textContent.split('\n').reduce((a, b) => (a.length >= b.length ? a : b), '');
const wide = sel => [...article.querySelectorAll(sel)]
  .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => longest(e).slice(0, 100));
const equations = [...article.querySelectorAll('div.math')].filter(e => {
  const typeset = e.querySelector('mjx-container > mjx-math');
  return e.scrollWidth > e.clientWidth + 1
    || (typeset && typeset.getBoundingClientRect().width > e.clientWidth + 1);
}).map(e => (e.querySelector('.eqno') || e).textContent.trim().slice(0, 60));
const markdown = [...article.querySelectorAll('div.cell_output pre')]
  .filter(e => /^\s*\|.*\|\s*$/m.test(e.textContent) && /\|\s*:?-{3,}/.test(e.textContent))
  .map(e => e.textContent.slice(0, 100));
const lines = e => {
  const range = document.createRange();
  range.selectNodeContents(e);
  const half = parseFloat(getComputedStyle(e).fontSize) / 2;
  return [...range.getClientRects()].map(b => b.top).sort((a, b) => a - b)
    .filter((top, i, tops) => i === 0 || top - tops[i - 1] > half).length;
};
const broken = [...article.querySelectorAll('td, th')]
  .filter(e => /^\S+$/.test(e.textContent.trim()) && !e.querySelector('mjx-container') && lines(e) > 1)
  .concat([...article.querySelectorAll(':is(td, th) code')].filter(e => e.textContent.length <= 16 && lines(e) > 1))
  .map(e => e.textContent.trim());
const tables = [...article.querySelectorAll('table')]
  .filter(t => t.getBoundingClientRect().width > t.parentElement.clientWidth + 1)
  .map(t => t.rows[0].textContent.replace(/\s+/g, ' ').trim().slice(0, 100));
return {code: wide('pre:not(div.cell_output pre)'), outputs: wide('div.cell_output pre'), equations: equations,
        tables: tables, markdown_tables: markdown, broken_words: broken};
"""


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
                 "--disable-sync", "--no-proxy-server", "--window-size=1280,1024",
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


def console_errors(log):
    """What the page's scripts reported as errors (failed loads are reported by ``failed_loads``)."""
    return [entry["message"] for entry in log if entry.get("source") != "network" and entry["level"] == "SEVERE"]


def save_full_page_screenshot(browser, path):
    """A PNG of the whole page at the window's width (the window is made as tall as the page)."""
    width, height = browser.execute_script("return [window.innerWidth, document.documentElement.scrollHeight]")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})
    try:
        shot = browser.execute_cdp_cmd("Page.captureScreenshot", {"format": "png"})
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    path.write_bytes(base64.b64decode(shot["data"]))


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
    errors = console_errors(log + browser.get_log("browser"))
    assert not errors, f"{page}: the browser console shows errors: {errors}"
    outside = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)"
                                     ".filter(n => !n.startsWith(location.origin) && !n.startsWith('data:'))")
    assert not outside, f"{page}: requests leave the machine: {outside}"


@pytest.mark.parametrize("page", PAGES)
def test_page_fits_the_column_at_1280_px(browser, book_url, page):
    """Nothing is cut off at the right of the text column; a screenshot of the page is kept."""
    open_page(browser, book_url, page)
    assert browser.execute_script("return window.innerWidth") == 1280
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{page.replace('/', '_')}.png"
    save_full_page_screenshot(browser, shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000, f"bad screenshot {shot}"
    layout = browser.execute_script(LAYOUT_JS)
    assert not layout["code"], f"{page}: code lines wider than the column: {layout['code']}"
    assert not layout["outputs"], f"{page}: output lines wider than the column: {layout['outputs']}"
    assert not layout["equations"], f"{page}: display equations wider than the column: {layout['equations']}"
    assert not layout["tables"], f"{page}: tables wider than the column: {layout['tables']}"
    assert not layout["markdown_tables"], f"{page}: Markdown table text printed in an output: " \
                                          f"{layout['markdown_tables']}"
    assert not layout["broken_words"], f"{page}: one-word cells or short code broken over lines: " \
                                       f"{layout['broken_words']}"


def test_no_page_embeds_an_inert_widget(built_book):
    """Widgets respond only in a live kernel: the static pages show a figure, never a frozen widget."""
    for page in PAGES:
        html = (built_book.html / f"{page}.html").read_text()
        assert WIDGET_MIME not in html, f"{page}.html embeds a widget that cannot respond on a static page"
        assert "jupyter-widgets" not in html, f"{page}.html loads the widget manager"
