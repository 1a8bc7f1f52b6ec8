"""A real browser for the web page tests: headless Chromium driven by Selenium 4 through Debian's
chromium and chromedriver, plus the artifacts directory screenshots go to."""
import base64
import os
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"))


def artifacts_dir() -> Path:
    """$REPLYD_ARTIFACTS, default <repo>/test-artifacts/ (created)."""
    directory = Path(os.environ.get("REPLYD_ARTIFACTS") or ROOT / "test-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def start_chromium(language="en-US", width=1280, height=1000):
    """Headless Chromium with `navigator.language` = `language` and the console log kept."""
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={width},{height}",
                     f"--lang={language}", "--no-first-run", "--no-default-browser-check", "--disable-extensions",
                     "--disable-background-networking", "--disable-sync"):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": language})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    if CHROMIUM.exists():
        options.binary_location = str(CHROMIUM)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


def wait_for(driver, condition, timeout=20, message=""):
    """Polls `condition(driver)` until it returns something truthy (returned) or the deadline passes."""
    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(condition, message)


def console_messages(driver):
    """The browser console since the last call (a CSP violation or an uncaught error shows up here)."""
    try:
        return driver.get_log("browser")
    except Exception as error:  # noqa: BLE001 - a driver without the log must not hide the real failure
        return [{"level": "WARNING", "message": f"(console log unavailable: {error})"}]


def save_full_page_screenshot(driver, path):
    """The whole page rather than the viewport, through Chromium's DevTools protocol."""
    metrics = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics.get("cssContentSize") or metrics["contentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})
    Path(path).write_bytes(base64.b64decode(shot["data"]))
