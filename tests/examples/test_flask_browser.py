"""End to end: Debian's headless Chromium, driven by Selenium, uses the Flask example like a visitor and a moderator.

Needs /usr/bin/chromium, /usr/bin/chromedriver and Selenium: ``.ci/browser.sh`` installs them.
Without them these tests fail (they do not skip), so a CI run cannot pass without a browser.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from examples.blog_common import ARTICLE, AWAITING_MODERATION, Settings
from examples.flask_app.app import create_app
from web_clients import ADMIN_TOKEN, EMAIL, SPAM, VALID
from werkzeug.serving import make_server

#: Deselected by default (no browser on a fresh machine); CI runs them after .ci/browser.sh: pytest -m browser
pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
)
INSTALL = "Run .ci/browser.sh as root: it installs Debian's chromium and chromium-driver and the web-test extra."


def launch_chromium() -> Any:
    """Start a headless Chromium driven by Selenium; fail the test, naming .ci/browser.sh, when it is missing."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.is_file()]
    if missing:
        pytest.fail(f"The browser test needs {' and '.join(missing)}. {INSTALL}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError as exc:
        pytest.fail(f"The browser test needs Selenium ({exc}). {INSTALL}")
    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    # Naming the driver's path keeps Selenium Manager from looking for (or downloading) a driver.
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)
    return driver


@pytest.fixture
def chromium() -> Iterator[Any]:
    """Return a headless Chromium; a missing browser fails the test itself (not its setup, and never a skip)."""
    drivers: list[Any] = []

    def launch() -> Any:
        drivers.append(launch_chromium())
        return drivers[-1]

    yield launch
    for driver in drivers:
        driver.quit()


@pytest.fixture
def server(settings: Settings, make_guard: Any) -> Iterator[str]:
    """Serve a new Flask example app on 127.0.0.1 at a free port in a background thread; return its URL."""
    httpd = make_server("127.0.0.1", 0, create_app(settings, guard=make_guard()), threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="flask-example", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(timeout=10)
        httpd.server_close()


def fill(driver: Any, **fields: str) -> None:
    """Type ``fields`` into the comment form's inputs, replacing what they held."""
    from selenium.webdriver.common.by import By

    for name, value in fields.items():
        element = driver.find_element(By.ID, name)
        element.clear()
        element.send_keys(value)


def press(driver: Any, selector: str = "main form [type=submit]") -> None:
    """Press the (first) button matching ``selector`` and wait for the next page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    button = driver.find_element(By.CSS_SELECTOR, selector)
    button.click()
    WebDriverWait(driver, 10).until(expected_conditions.staleness_of(button))


def test_visitor_fixes_an_error_and_publishes_a_comment(chromium: Any, server: str, clock: Any) -> None:
    """A forgotten name is reported beside the field with the text kept; once fixed, the comment is published."""
    browser = chromium()
    from selenium.webdriver.common.by import By

    browser.get(server + "/")
    assert browser.title.startswith(ARTICLE.title)
    assert "Your email address will not be published." in browser.find_element(By.ID, "email-notes").text
    fill(browser, email=EMAIL, url=VALID["url"], comment=VALID["comment"])
    clock.advance(60)
    press(browser)
    assert browser.find_element(By.ID, "author-error").text == "Please enter your name."
    assert browser.find_element(By.ID, "comment").get_property("value") == VALID["comment"]
    fill(browser, author=VALID["author"])
    clock.advance(30)
    press(browser)
    assert "#comment-" in browser.current_url
    published = browser.find_element(By.CSS_SELECTOR, ".comment-list .comment")
    assert VALID["comment"] in published.find_element(By.CLASS_NAME, "comment-content").text
    assert published.find_element(By.CSS_SELECTOR, ".comment-author a").get_attribute("rel") == "nofollow ugc noopener"
    assert EMAIL not in browser.page_source
    assert browser.find_element(By.ID, "author").get_property("value") == ""


def test_moderator_logs_in_and_approves_a_held_comment(chromium: Any, server: str, clock: Any) -> None:
    """Spam shows its author a preview awaiting moderation; the moderator logs in with the token and approves it."""
    browser = chromium()
    from selenium.webdriver.common.by import By

    browser.get(f"{server}/articles/{ARTICLE.slug}")
    fill(browser, author=VALID["author"], email=EMAIL, comment=SPAM)
    clock.advance(60)
    press(browser)
    assert AWAITING_MODERATION in browser.find_element(By.CSS_SELECTOR, ".awaiting-moderation .notice").text
    browser.get(server + "/moderation")
    assert browser.find_element(By.ID, "token").get_attribute("type") == "password"
    assert 'class="queued"' not in browser.page_source
    fill(browser, token=ADMIN_TOKEN)
    press(browser)
    queued = browser.find_element(By.CSS_SELECTOR, ".queued")
    assert "spam_score" in queued.find_element(By.CLASS_NAME, "reasons").text
    press(browser, ".queued button[value=approve]")
    assert "Nothing awaits moderation." in browser.find_element(By.TAG_NAME, "main").text
    browser.get(f"{server}/articles/{ARTICLE.slug}")
    assert "viagra" in browser.find_element(By.CSS_SELECTOR, ".comment-list").text
