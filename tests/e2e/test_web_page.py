"""The self-service web page in a real browser (headless Chromium via Selenium) against the real
server: signing in (a wrong token refused), choosing a mailbox, API validation errors next to their
fields, the preview of the reply exactly as it will be sent, saving, the log with each decision's
reason after real SMTP mail, the decision details, the Polish UI, signing out. Plus a check without
a browser that the page keeps to its Content-Security-Policy (no inline code or styles, no HTML
built from strings).

A screenshot of the end state (or of the failure) goes to $REPLYD_ARTIFACTS/web-page.png (default
<repo>/test-artifacts/), the whole page to web-page-full.png."""
import re
import urllib.error
import urllib.request
from html.parser import HTMLParser

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from browser import artifacts_dir, console_messages, save_full_page_screenshot, start_chromium, wait_for
from conftest import config_with, deliver, make_message
from helpers import api_call

ADMIN = "web-admin-token-0123456789abcdef"
TOKENS = """
[[api.tokens]]
name = "ops"
token = "%s"
scopes = ["admin"]
""" % ADMIN
CONFIG = config_with(mail={"local_domains": ["example.test"], "mailboxes": ["ewa@example.test"]}) + TOKENS
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
XSS_NAME = '<img src="x" id="pwned"><b>Robot</b>'


def call(server, method, path, body=None, token=ADMIN):
    return api_call(server, method, path, body=body, token=token)[:2]


# --- small page helpers (explicit waits only) ------------------------------------------------------

def by_id(driver, element_id):
    return driver.find_element(By.ID, element_id)


def visible(element_id):
    def condition(driver):
        found = driver.find_elements(By.ID, element_id)
        return found[0] if found and found[0].is_displayed() else False
    return condition


def present(css):
    def condition(driver):
        found = driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found else False
    return condition


def attribute_is(element_id, name, value):
    def condition(driver):
        found = driver.find_elements(By.ID, element_id)
        return bool(found) and found[0].get_attribute(name) == value
    return condition


def text_contains(element_id, fragment):
    def condition(driver):
        found = driver.find_elements(By.ID, element_id)
        return bool(found) and found[0].is_displayed() and fragment in found[0].text
    return condition


def fill(driver, element_id, text):
    element = by_id(driver, element_id)
    element.clear()
    if text:
        element.send_keys(text)
    return element


def set_value(driver, element_id, value):
    """For inputs whose typing depends on the browser's locale (datetime-local): set and announce."""
    driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true}));",
        element_id, value)


def mailbox_button(driver, address):
    return driver.find_element(By.CSS_SELECTOR, f'#mailbox-list button[data-address="{address}"]')


def decision_chip(driver, message_id):
    return driver.find_element(By.CSS_SELECTOR, f'[data-testid="log-row-{message_id}"] [data-testid="decision"]')


def sign_in(driver, token):
    fill(driver, "token-input", token)
    by_id(driver, "token-input").send_keys(Keys.ENTER)


def page_state(driver):
    """What the page shows, for a failure message."""
    try:
        return driver.execute_script("""
            const out = {};
            for (const id of ['signin-error', 'global-message', 'mailbox-summary', 'mailbox-message', 'vacation-status',
                              'vacation-message', 'log-message', 'log-updated']) {
              const e = document.getElementById(id);
              out[id] = e ? (e.hidden ? '(hidden) ' : '') + e.textContent : '(missing)';
            }
            out.fieldErrors = [...document.querySelectorAll('.field-error:not([hidden])')].map(e => e.id + ': ' + e.textContent);
            return out;""")
    except Exception as error:  # noqa: BLE001
        return f"(page state unavailable: {error})"


# --- the browser test ------------------------------------------------------------------------------

def test_web_page_sign_in_set_vacation_preview_save_and_read_the_log(make_server):
    server = make_server(CONFIG)
    assert call(server, "POST", "/api/v1/mailboxes", {"address": "jan@example.test", "name": "Jan Kowalski"})[0] == 201
    assert call(server, "POST", "/api/v1/mailboxes", {"address": "robot@example.test", "name": XSS_NAME})[0] == 201
    base = f"http://127.0.0.1:{server.http_port}"
    screenshot = artifacts_dir() / "web-page.png"
    driver = start_chromium("en-US")
    ok = False
    try:
        driver.get(base + "/")
        wait_for(driver, visible("token-input"), message="the sign-in form")
        # navigator.language is en-US, nothing remembered: English.
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        assert by_id(driver, "app-section").is_displayed() is False

        # A wrong token is refused with a clear message; the app stays hidden.
        sign_in(driver, "not-the-right-token-0000000000")
        wait_for(driver, lambda d: by_id(d, "signin-error").get_attribute("data-kind") == "error", message="wrong-token error")
        assert "Wrong token" in by_id(driver, "signin-error").text
        assert not by_id(driver, "app-section").is_displayed()
        assert driver.execute_script("return sessionStorage.getItem('replyd.token')") is None

        # The right one: mailboxes listed, token kept for this tab only.
        sign_in(driver, ADMIN)
        wait_for(driver, visible("app-section"), message="the app after signing in")
        wait_for(driver, present('#mailbox-list button[data-address="jan@example.test"]'), message="jan in the mailbox list")
        assert driver.execute_script("return sessionStorage.getItem('replyd.token')") == ADMIN
        assert by_id(driver, "signout-button").is_displayed()
        addresses = [b.get_attribute("data-address") for b in driver.find_elements(By.CSS_SELECTOR, "#mailbox-list button[data-address]")]
        assert addresses == ["ewa@example.test", "jan@example.test", "robot@example.test"]
        assert not driver.find_elements(By.CSS_SELECTOR, '#mailbox-list [data-testid="badge-active"]')
        # Data is text, never markup.
        assert XSS_NAME in mailbox_button(driver, "robot@example.test").text
        assert not driver.find_elements(By.ID, "pwned")

        # Choose jan: no vacation yet, the form starts from the defaults.
        mailbox_button(driver, "jan@example.test").click()
        wait_for(driver, attribute_is("vacation-status", "data-state", "none"), message="jan's vacation state")
        assert mailbox_button(driver, "jan@example.test").get_attribute("aria-pressed") == "true"
        assert by_id(driver, "vacation-mailbox").text == "jan@example.test"
        assert by_id(driver, "field-owner-name").get_attribute("value") == "Jan Kowalski"
        assert by_id(driver, "field-timezone").get_attribute("value") == "Europe/Warsaw"
        assert by_id(driver, "disable-button").get_attribute("disabled") is not None

        # The API's validation errors appear next to their fields.
        set_value(driver, "field-start", "2020-01-01T09:00")
        fill(driver, "field-subject", "Away: {{original_subject}}")
        fill(driver, "field-deputy-address", "not an address")
        by_id(driver, "preview-button").click()
        wait_for(driver, visible("error-field-message"), message="the message's field error")
        wait_for(driver, visible("error-field-deputy-address"), message="the deputy address's field error")
        assert by_id(driver, "field-message").get_attribute("aria-invalid") == "true"
        assert "not a mail address" in by_id(driver, "error-field-deputy-address").text
        assert by_id(driver, "vacation-message").get_attribute("data-kind") == "error"
        assert not by_id(driver, "preview-section").is_displayed()

        # Fill in the rest and preview: the reply exactly as it would be sent.
        fill(driver, "field-message", 'Hello {{sender_name}},\nI am away. "{{original_subject}}" will wait for me.\n'
                                      "Urgent matters: {{deputy_name}} <{{deputy_address}}>.")
        fill(driver, "field-deputy-name", "Ewa Nowak")
        fill(driver, "field-deputy-address", "ewa@example.test")
        fill(driver, "field-days", "3")
        assert by_id(driver, "field-end").get_attribute("value") == ""
        fill(driver, "preview-from", "anna@client.test")
        fill(driver, "preview-from-name", "Anna")
        fill(driver, "preview-subject", "Quarterly report")
        by_id(driver, "preview-button").click()
        wait_for(driver, text_contains("preview-out-subject", "Away: Quarterly report"), message="the preview's subject")
        assert not by_id(driver, "error-field-message").is_displayed()
        body = by_id(driver, "preview-out-body").text
        assert "Hello Anna," in body
        assert 'I am away. "Quarterly report" will wait for me.' in body
        assert "Urgent matters: Ewa Nowak <ewa@example.test>." in body
        assert by_id(driver, "preview-out-recipient").text == "anna@client.test"
        driver.find_element(By.CSS_SELECTOR, "#preview-raw-details summary").click()
        wait_for(driver, text_contains("preview-out-raw", "Auto-Submitted: auto-replied"), message="the raw preview")
        # Nothing is stored by a preview.
        assert call(server, "GET", "/api/v1/mailboxes/jan@example.test/vacation")[0] == 404

        # Save: on, jan is away.
        by_id(driver, "save-button").click()
        wait_for(driver, attribute_is("vacation-status", "data-state", "active"), message="the active state")
        assert by_id(driver, "vacation-message").get_attribute("data-kind") == "ok"
        assert by_id(driver, "vacation-message").text.startswith("Saved.")
        wait_for(driver, present('#mailbox-list button[data-address="jan@example.test"] [data-testid="badge-active"]'),
                 message="jan's away badge")
        assert by_id(driver, "disable-button").get_attribute("disabled") is None
        status, stored = call(server, "GET", "/api/v1/mailboxes/jan@example.test/vacation")
        assert status == 200 and stored["active"] is True
        settings = stored["settings"]
        assert settings["start"].startswith("2020-01-01T09:00:00") and not settings.get("end")
        assert settings["subject"] == "Away: {{original_subject}}" and settings["days"] == 3
        assert settings["message"].startswith("Hello {{sender_name}},\nI am away.")
        assert settings["deputy_name"] == "Ewa Nowak" and settings["owner_name"] == "Jan Kowalski"
        assert settings["timezone"] == "Europe/Warsaw"

        # Real mail: one to jan (answered), one to ewa (no vacation).
        to_jan = deliver(server, make_message(subject="Invoice 42", sender="Anna <anna@client.test>", to="jan@example.test"),
                         sender="anna@client.test", rcpts=("jan@example.test",))
        to_ewa = deliver(server, make_message(subject="Lunch?", sender="Piotr <piotr@client.test>", to="ewa@example.test"),
                         sender="piotr@client.test", rcpts=("ewa@example.test",))
        by_id(driver, "log-refresh").click()
        wait_for(driver, present(f'[data-testid="log-row-{to_ewa}"] [data-testid="decision"]'), message="the new log rows")
        replied = decision_chip(driver, to_jan)
        assert replied.get_attribute("data-code") == "replied"
        assert "Replied" in replied.text and "replied" in replied.find_element(By.TAG_NAME, "code").text
        row = driver.find_element(By.CSS_SELECTOR, f'[data-testid="log-row-{to_jan}"]')
        assert "Invoice 42" in row.text and "anna@client.test" in row.text
        assert row.find_element(By.CSS_SELECTOR, '[data-testid="delivery"]').get_attribute("data-status") == "pending"
        skipped = decision_chip(driver, to_ewa)
        assert skipped.get_attribute("data-code") == "no-vacation"
        assert "No vacation reply for this mailbox" in skipped.text
        assert skipped.find_element(By.TAG_NAME, "code").text == "no-vacation"

        # The rules checked for jan's message.
        driver.find_element(By.CSS_SELECTOR, f'[data-testid="log-open-{to_jan}"]').click()
        wait_for(driver, present('#message-details [data-testid="check"][data-rule="outside-schedule"]'), message="the checks")
        check = driver.find_element(By.CSS_SELECTOR, '#message-details [data-testid="check"][data-rule="outside-schedule"]')
        assert check.get_attribute("data-passed") == "true"
        assert by_id(driver, "details-title").text.endswith(str(to_jan))

        # Polish: every label switches, the choice is remembered, the session survives a reload.
        by_id(driver, "lang-pl").click()
        wait_for(driver, lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "pl", message="Polish")
        assert driver.find_element(By.CSS_SELECTOR, "label[for='field-message']").text == "Treść odpowiedzi"
        assert "Skrzynka nie ma odpowiedzi urlopowej" in decision_chip(driver, to_ewa).text
        assert by_id(driver, "lang-pl").get_attribute("aria-pressed") == "true"
        assert driver.execute_script("return localStorage.getItem('replyd.lang')") == "pl"
        driver.refresh()
        wait_for(driver, present('#mailbox-list button[data-address="jan@example.test"] [data-testid="badge-active"]'),
                 message="the mailbox list after a reload")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "pl"
        assert by_id(driver, "signout-button").text == "Wyloguj"
        assert by_id(driver, "log-refresh").text == "Odśwież"

        # Sign out, then back in: the saved settings load into the form.
        by_id(driver, "signout-button").click()
        wait_for(driver, visible("token-input"), message="the sign-in form after signing out")
        assert not by_id(driver, "app-section").is_displayed()
        assert driver.execute_script("return sessionStorage.getItem('replyd.token')") is None
        sign_in(driver, ADMIN)
        wait_for(driver, present('#mailbox-list button[data-address="jan@example.test"]'), message="signed in again")
        mailbox_button(driver, "jan@example.test").click()
        wait_for(driver, attribute_is("vacation-status", "data-state", "active"), message="jan's saved vacation")
        assert by_id(driver, "field-start").get_attribute("value") == "2020-01-01T09:00"
        assert by_id(driver, "field-end").get_attribute("value") == ""
        assert by_id(driver, "field-subject").get_attribute("value") == "Away: {{original_subject}}"
        assert by_id(driver, "field-days").get_attribute("value") == "3"
        assert by_id(driver, "field-deputy-name").get_attribute("value") == "Ewa Nowak"
        assert by_id(driver, "save-button").text == "Zapisz zmiany"

        # Switch off: jan is no longer away and the form keeps the settings; saving switches it on again.
        by_id(driver, "disable-button").click()
        wait_for(driver, attribute_is("vacation-status", "data-state", "none"), message="switched off")
        wait_for(driver, lambda d: not d.find_elements(
            By.CSS_SELECTOR, '#mailbox-list button[data-address="jan@example.test"] [data-testid="badge-active"]'),
            message="jan's away badge gone")
        assert call(server, "GET", "/api/v1/mailboxes/jan@example.test/vacation")[0] == 404
        assert by_id(driver, "field-subject").get_attribute("value") == "Away: {{original_subject}}"
        assert by_id(driver, "save-button").text == "Zapisz i włącz"
        by_id(driver, "save-button").click()
        wait_for(driver, attribute_is("vacation-status", "data-state", "active"), message="switched on again")
        wait_for(driver, present('#mailbox-list button[data-address="jan@example.test"] [data-testid="badge-active"]'),
                 message="jan's away badge again")
        assert call(server, "GET", "/api/v1/mailboxes/jan@example.test/vacation")[1]["settings"]["days"] == 3

        by_id(driver, "log-refresh").click()
        wait_for(driver, present(f'[data-testid="log-open-{to_jan}"]'), message="the log after signing in again")
        driver.find_element(By.CSS_SELECTOR, f'[data-testid="log-open-{to_jan}"]').click()
        wait_for(driver, present('#message-details [data-testid="check"]'), message="the checks again")

        # No CSP violation and no script error on the way (HTTP 401/404 answers are logged too; they are fine).
        problems = [entry for entry in console_messages(driver) if entry.get("source") == "security"
                    or "Content Security Policy" in entry.get("message", "") or "Uncaught" in entry.get("message", "")]
        assert not problems, f"browser console: {problems}"
        ok = True
    finally:
        try:
            if ok:
                driver.execute_script("window.scrollTo(0, 0)")
            else:
                print("page state at the failure:", page_state(driver))
                print("browser console:", console_messages(driver))
            driver.save_screenshot(str(screenshot))
            print(f"screenshot: {screenshot}")
            try:
                save_full_page_screenshot(driver, screenshot.with_name("web-page-full.png"))
                print(f"full-page screenshot: {screenshot.with_name('web-page-full.png')}")
            except Exception as error:  # noqa: BLE001 - the extra picture must not mask the test's outcome
                print(f"no full-page screenshot: {error}")
        finally:
            driver.quit()


# --- the page's resources, without a browser ------------------------------------------------------

class InlineCodeFinder(HTMLParser):
    """Collects what the CSP would block: inline scripts, event-handler attributes, inline styles."""

    def __init__(self):
        super().__init__()
        self.problems = []
        self.ids = []
        self.label_targets = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name == "style":
                self.problems.append(f"<{tag} style=...>")
        if tag == "style":
            self.problems.append("<style>")
        if tag == "script":
            self.in_script = True
            if not names.get("src"):
                self.problems.append("<script> without src")
        if "id" in names:
            self.ids.append(names["id"])
        if tag == "label" and names.get("for"):
            self.label_targets.append(names["for"])
        for name in ("href", "src", "action"):
            value = names.get(name) or ""
            if value.lower().startswith(("http:", "https:", "//", "javascript:")):
                self.problems.append(f"<{tag} {name}={value}> (external or script URL)")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append("inline script text")


def test_page_resources_keep_to_the_content_security_policy(make_server):
    server = make_server(CONFIG)
    bodies = {}
    for path, kind in [("/", "text/html"), ("/app.js", "text/javascript"), ("/app.css", "text/css")]:
        with urllib.request.urlopen(f"http://127.0.0.1:{server.http_port}{path}", timeout=10) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith(kind)
            assert response.headers["Content-Security-Policy"] == CSP
            bodies[path] = response.read().decode("utf-8")
    finder = InlineCodeFinder()
    finder.feed(bodies["/"])
    assert finder.problems == []
    assert len(finder.ids) == len(set(finder.ids)), "duplicate ids"
    assert set(finder.label_targets) <= set(finder.ids), "a label for a missing control"
    # The script builds the page with DOM calls and textContent only.
    script = bodies["/app.js"]
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
        assert forbidden not in script, forbidden
    # No external resources.
    for text in bodies.values():
        assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", text)
        assert "@import" not in text and "url(http" not in text
