"""The home page's pictures in a real browser: `poagraph serve` on 127.0.0.1 (the full build
of the bundled report) and headless Chromium (fixtures of test_browser.py). The map and the
chart are SVG drawn on the server: Chromium shows shaded countries and bars with their sizes,
and no request leaves 127.0.0.1. Screenshot: poagraph-home-charts.png in the temp folder.
"""

from __future__ import annotations

import pytest
from test_browser import _assert_loopback_only, _network, _shot, browser, built, server

from poagraph.web.pages import charts

pytestmark = [pytest.mark.browser, pytest.mark.server]

__all__ = ["browser", "built", "server"]  # the fixtures, shared with test_browser.py


def test_home_page_draws_the_map_and_the_chart(browser, server):
    from selenium.webdriver.common.by import By

    _network(browser)
    browser.get(f"{server}/")
    shaded = browser.find_elements(By.CSS_SELECTOR, "#outcomes-map svg path.has-data")
    paths = browser.find_elements(By.CSS_SELECTOR, "#outcomes-map svg path")
    assert shaded and len(paths) == len(charts.shapes())
    # shaded with the stylesheet's colours, not the blank countries' grey
    fills = {p.value_of_css_property("fill") for p in shaded}
    blank = browser.find_element(By.CSS_SELECTOR, "#outcomes-map svg path:not(.has-data)")
    assert blank.value_of_css_property("fill") not in fills
    box = browser.find_element(By.CSS_SELECTOR, "#outcomes-map svg").rect
    assert box["width"] > 300 and box["height"] > 100
    rows = browser.find_elements(By.CSS_SELECTOR, "#outcomes-map table tbody tr")
    assert len(rows) >= len(shaded)

    bars = browser.find_elements(By.CSS_SELECTOR, "#commitment-programmes svg rect.bar")
    assert bars
    widths = [b.rect["width"] for b in bars]
    assert max(widths) > 50
    table = browser.find_elements(By.CSS_SELECTOR, "#commitment-programmes table tbody tr")
    assert len(table) == len(bars)
    _shot(browser, "poagraph-home-charts.png")
    _assert_loopback_only(_network(browser))
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not severe, severe
