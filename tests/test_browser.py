"""The UI in a real browser: `poagraph serve` as a subprocess on 127.0.0.1 (the full build of
the bundled report), headless Chromium driven by Selenium.

Checks that the query page loads YASGUI with the example tabs, runs an example and draws a
results table; that a country page shows its programmes and outcomes; and, from Chromium's
network log, that no request leaves 127.0.0.1. Screenshots go to the temp folder
(poagraph-query.png, poagraph-country.png, poagraph-programme.png) for a person to look at.

Skipped only when Chromium or chromedriver is not installed; under CI (`CI` set) their
absence is a failure, since `make system-deps` installs them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from pyoxigraph import NamedNode
from ui_support import POA, local, memory_copy

from poagraph import paths

pytestmark = [pytest.mark.browser, pytest.mark.server]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None
)
SHOTS = Path(tempfile.gettempdir())
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
AFG = "https://w3id.org/poagraph/id/country/AFG"


def _require_chromium() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    missing = "chromium" if not CHROMIUM else "chromedriver"
    message = f"{missing} is not installed (Debian: apt-get install chromium chromium-driver)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; CI must run the browser tests (make system-deps)")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(built_store_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`poagraph serve` on a free loopback port; stopped (its process group) afterwards."""
    _require_chromium()
    port = _free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    command = [
        str(Path(sys.executable).parent / "poagraph"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--store",
        str(built_store_path),
        "--workers",
        "1",
        "--executors",
        "1",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/health", timeout=10).status_code == 200:
                    break
            except requests.RequestException:  # not listening yet, or busy starting up
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"poagraph serve did not come up:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # the group we started: server and its workers
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def browser(server: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1280,1000",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def built(built_store_path: Path):
    return memory_copy(built_store_path)


def _network(driver) -> list[str]:
    """URLs the page requested since the last call (drains Chromium's performance log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def _assert_loopback_only(urls: list[str]) -> None:
    network = [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")]
    assert network, "the network log recorded no request at all"
    outside = [u for u in network if urlsplit(u).hostname != "127.0.0.1"]
    assert not outside, f"requests left 127.0.0.1: {outside}"


def _wait(driver, condition, timeout: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(condition)


def _shot(driver, name: str) -> Path:
    height = driver.execute_script("return Math.min(document.body.scrollHeight, 3000)")
    driver.set_window_size(1280, max(800, height))
    path = SHOTS / name
    driver.save_screenshot(str(path))
    driver.set_window_size(1280, 1000)
    return path


def test_query_page_runs_an_example_and_shows_a_results_table(browser, server, built):
    from selenium.webdriver.common.by import By

    _network(browser)
    browser.get(f"{server}/query")
    _wait(browser, lambda d: d.execute_script("return !!window.poagraphYasgui"))
    files = sorted(paths.QUERIES.glob("*.rq"))
    tabs = browser.find_elements(By.CSS_SELECTOR, ".tabsList .tab")
    assert len(tabs) == len(files)  # one tab per example (the + button is no .tab)

    active = browser.find_element(By.CSS_SELECTOR, ".tabPanel.active")
    active.find_element(By.CSS_SELECTOR, ".yasqe_queryButton").click()
    rows = _wait(
        browser,
        lambda d: d.find_elements(
            By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable tbody tr"
        ),
    )
    # the same query, run on the same data here, says what the table must hold
    result = built.query(files[0].read_text(), use_default_graph_as_union=True)
    variables = [v.value for v in result.variables]
    expected_rows = len(list(result))
    headers = [
        h.text.strip()
        for h in browser.find_elements(
            By.CSS_SELECTOR, ".tabPanel.active .yasr table.dataTable thead th"
        )
        if h.text.strip()
    ]
    assert headers == variables
    assert expected_rows > 0
    assert len(rows) == min(expected_rows, 50)  # YASR shows 50 rows a page
    # IRIs of our namespace link to this server's pages, not to w3id.org
    hrefs = [
        a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, ".tabPanel.active .yasr table a[href]")
    ]
    assert any(urlsplit(h).path == "/ontology" and urlsplit(h).fragment for h in hrefs), hrefs
    assert not [h for h in hrefs if h.startswith("https://w3id.org/poagraph/")]
    _shot(browser, "poagraph-query.png")
    _assert_loopback_only(_network(browser))
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe


def test_country_page_shows_its_programmes_and_outcomes(browser, server, built):
    from selenium.webdriver.common.by import By

    _network(browser)
    browser.get(f"{server}{local(AFG)}")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Afghanistan"

    def linked(cls: str) -> set[str]:
        return {
            local(q.subject.value)
            for q in built.quads_for_pattern(None, NamedNode(POA + "country"), NamedNode(AFG), None)
            if any(built.quads_for_pattern(q.subject, RDF_TYPE, NamedNode(POA + cls), None))
        }

    for section, cls in (("programmes", "Programme"), ("outcomes", "Outcome")):
        links = browser.find_elements(
            By.CSS_SELECTOR, f"section.{section} tbody tr td:first-child a"
        )
        shown = {urlsplit(a.get_attribute("href")).path for a in links}
        assert shown == linked(cls), section
        assert all(a.is_displayed() for a in links)
    statuses = browser.find_elements(By.CSS_SELECTOR, "section.outcomes tbody td.status")
    assert statuses and {td.text for td in statuses} <= {"Achieved", "Planned"}
    _shot(browser, "poagraph-country.png")
    _assert_loopback_only(_network(browser))


def test_a_programme_page_shows_its_words_tidied(browser, server, built):
    """The Human Security Fund: "... has received a Human Security Fund of about \\$ 1.4
    Million USD from the Japanese Government." A reader sees "$ 1.4", never the escape."""
    from selenium.webdriver.common.by import By

    funded = [
        q.subject
        for q in built.quads_for_pattern(None, NamedNode(POA + "fundedBy"), None, None)
        if "human-security" in q.subject.value
    ]
    assert funded
    _network(browser)
    browser.get(f"{server}{local(funded[0].value)}")
    evidence = browser.find_element(By.CSS_SELECTOR, "section.evidence")
    assert evidence.find_elements(By.CSS_SELECTOR, "mark")
    assert "about $ 1.4 Million USD" in evidence.text and "\\$" not in evidence.text
    assert "characters " in evidence.text
    relations = browser.find_element(By.CSS_SELECTOR, "section.relations")
    assert "funded by" in relations.text and relations.is_displayed()
    _shot(browser, "poagraph-programme.png")
    _assert_loopback_only(_network(browser))


def test_browsing_from_home_to_a_resource_stays_on_loopback(browser, server):
    from selenium.webdriver.common.by import By

    _network(browser)
    browser.get(f"{server}/")
    browser.find_element(By.CSS_SELECTOR, 'a[href="/browse/Programme"]').click()
    _wait(browser, lambda d: "/browse/Programme" in d.current_url)
    browser.find_element(By.CSS_SELECTOR, "ul.browse li a").click()
    _wait(browser, lambda d: "/id/programme/" in d.current_url)
    assert browser.find_elements(By.CSS_SELECTOR, "section.evidence mark")
    browser.get(f"{server}/ontology")
    assert browser.find_element(By.ID, "Country").is_displayed()
    # the search box in the header finds a country by its name
    box = browser.find_element(By.CSS_SELECTOR, "header form.search input[name=q]")
    box.send_keys("Afghanistan\n")
    _wait(browser, lambda d: "/search" in d.current_url)
    browser.find_element(By.CSS_SELECTOR, "ul.browse li a").click()
    _wait(browser, lambda d: urlsplit(d.current_url).path == local(AFG))
    _assert_loopback_only(_network(browser))


def test_each_example_has_its_own_url(browser, server):
    from selenium.webdriver.common.by import By

    from poagraph.web.pages import examples

    chosen = examples.load(paths.QUERIES)[-1]
    _network(browser)
    browser.get(f"{server}/query?example={chosen.name}")
    _wait(browser, lambda d: d.execute_script("return !!window.poagraphYasgui"))
    active = browser.find_element(By.CSS_SELECTOR, ".tabsList .tab.active")
    assert active.text.strip().rstrip("✖").strip() == chosen.title
    editor = browser.execute_script("return window.poagraphYasgui.getTab().getYasqe().getValue()")
    assert editor == chosen.query
    _assert_loopback_only(_network(browser))
