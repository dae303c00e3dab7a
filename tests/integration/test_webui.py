"""Campaigns in ACME's web UI, checked in a real headless Chromium (see docs/webui.md).

One CSE with the simulated device agent runs a campaign over four `<node>`s: two
install, one fails (`swcsim:fail`) and one never answers (`swcsim:silent`), so its
progress shows every kind of status. The browser tests need Debian's `chromium` and
`chromedriver` (`.ci/run` installs them when it runs as root) and are skipped without
them; the tests of a disabled web UI and of its root path need no browser.

With `ACME_SWC_SCREENSHOTS=<folder>` the tests also save the screenshots used in
`docs/` there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from cse import CSEProcess, wait_until
from fleet import (
    CAMPAIGN,
    PROTOCOL,
    STATUS,
    campaign,
    campaign_body,
    create_campaign,
    make_nodes,
    register_ae,
    unique,
)

pytestmark = pytest.mark.integration

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401

    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

needs_browser = pytest.mark.skipif(
    not (CHROMIUM and CHROMEDRIVER and HAVE_SELENIUM),
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium "
    "chromium-driver) and selenium (the package's test extra)",
)

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1600,1100",
)
WAIT = 20.0
TREE_NODES = "#treeContainer .tj_description"
PROGRESS = "acme-swc-progress"
SCREENSHOTS = os.environ.get("ACME_SWC_SCREENSHOTS")

LINKS = PROTOCOL.short_name("softwareLinks")
AGGREGATED = PROTOCOL.short_name("aggregatedSoftwareStatus")
INDIVIDUAL = PROTOCOL.short_name("individualSoftwareStatus")
STATUS_FIELD = PROTOCOL.short_name("softwareStatus")
SOFTWARE_FIELD = PROTOCOL.short_name("softwareResourceID")
TARGET_FIELD = PROTOCOL.short_name("target")
OPERATION_FIELD = PROTOCOL.short_name("softwareOperation")


def label(member) -> str:
    """How the web UI shows an enumeration value: `INSTALLED (3)`."""
    return f"{member.name} ({int(member)})"


# --- The CSE and its campaign -----------------------------------------------------------


@pytest.fixture(scope="module")
def cse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CSEProcess]:
    process = CSEProcess(
        tmp_path_factory.mktemp("webui"),
        agent=True,
        settings={"plugin.swc": {"agentDelay": 0.3}},
    )
    try:
        yield process.start()
    finally:
        process.stop()


@pytest.fixture(scope="module")
def shown(cse: CSEProcess) -> dict:
    """A campaign with two INSTALLED targets, one ERROR and one still IN_PROGRESS."""
    ae = register_ae(cse)
    nodes = make_nodes(cse, 4, [ae], labels=[[], [], ["swcsim:fail"], ["swcsim:silent"]])
    path = create_campaign(cse, ae, campaign_body(nodes, rn=unique("rollout")))

    def settled():
        resource = campaign(cse, path, ae)
        statuses = sorted(entry[STATUS_FIELD] for entry in resource.get(INDIVIDUAL, []))
        expected = sorted([STATUS.INSTALLED, STATUS.INSTALLED, STATUS.ERROR, STATUS.IN_PROGRESS])
        return statuses == expected and resource

    return wait_until(settled, 30)


# --- The browser --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def wait(driver, condition, timeout: float = WAIT):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def open_webui(driver, base_url: str, root: str = "/webui") -> None:
    """Open the web UI as ACME's redirect does, connected at once as the admin."""
    driver.get_log("browser")  # each page starts with an empty console log
    driver.get(f"{base_url}{root}?open")
    wait(driver, lambda d: d.execute_script("return !!(window.root && root.resource)"))


def tree_labels(driver) -> list[str]:
    """The tree's entries, read at once (ACME redraws the tree often)."""
    texts = driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]), e => e.innerText)",
        TREE_NODES,
    )
    return [_without_icon(text) for text in texts]


def _without_icon(text: str) -> str:
    """A tree entry's text without the expand icon in front of it."""
    return re.sub(r"^\W+", "", text)


def select(driver, tree_label: str) -> None:
    """Click a resource in the tree and wait until its details are shown."""
    from selenium.common.exceptions import StaleElementReferenceException

    def click(d) -> bool:
        try:
            for element in d.find_elements("css selector", TREE_NODES):
                if _without_icon(element.text) == tree_label:
                    element.click()
                    return True
        except StaleElementReferenceException:
            pass  # the tree was redrawn meanwhile: look again
        return False

    wait(driver, click)
    name = tree_label.split(": ", 1)[1]
    wait(driver, lambda d: d.execute_script("return nodeClicked.resource.rn") == name)


def attribute_rows(driver) -> dict[str, str]:
    rows = driver.find_elements("css selector", "#details tbody tr")
    cells = [row.find_elements("tag name", "td") for row in rows]
    return {c[0].text: c[1].get_attribute("innerText") for c in cells if len(c) == 2}


def console(driver) -> list[dict]:
    """The browser console's entries since the last call (`level`, `message`)."""
    return driver.get_log("browser")


def console_errors(driver) -> list[str]:
    return [e["message"] for e in console(driver) if e["level"] == "SEVERE"]


def snapshot(driver, name: str) -> None:
    if SCREENSHOTS:
        time.sleep(1.0)  # let the web UI's tab transitions finish
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(SCREENSHOTS) / name))


def rest_pane(driver, method: str) -> None:
    """Open the REST UI tab and choose `method`, as a person would."""
    from selenium.common.exceptions import ElementNotInteractableException

    driver.find_element("css selector", "label[for='details-3']").click()

    def choose(d) -> bool:
        try:  # the tab slides in: its controls take clicks once they are shown
            d.find_element("css selector", f"label[for='method{method.lower()}']").click()
        except ElementNotInteractableException:
            return False
        return d.find_element("id", f"method{method.lower()}").is_selected()

    wait(driver, choose)


# --- Tree, header, attributes, progress ----------------------------------------------------


@needs_browser
def test_tree_and_header_name_the_campaign(browser, cse: CSEProcess, shown: dict) -> None:
    open_webui(browser, cse.base_url)
    swc = f"{PROTOCOL.campaign.name}: {shown['rn']}"
    wait(browser, lambda d: swc in tree_labels(d))
    assert f"unknown: {shown['rn']}" not in tree_labels(browser)

    select(browser, swc)
    header = browser.find_element("id", "rootResourceName").text
    assert header.startswith(f"{PROTOCOL.campaign.full_name}: "), header
    assert console_errors(browser) == []


@needs_browser
def test_long_names_and_readable_statuses(browser, cse: CSEProcess, shown: dict) -> None:
    open_webui(browser, cse.base_url)
    select(browser, f"{PROTOCOL.campaign.name}: {shown['rn']}")
    browser.execute_script("toggleLongAttributeNames()")

    rows = wait(browser, lambda d: (r := attribute_rows(d)) and "softwareTargets" in r and r)
    for short, long in PROTOCOL.attributes.items():
        if short in shown:
            assert long in rows, f"{long} missing from {sorted(rows)}"
    assert rows["aggregatedSoftwareStatus"] == label(STATUS(shown[AGGREGATED]))
    assert rows["softwareOperation"] == label(PROTOCOL.operation(shown[OPERATION_FIELD]))
    assert rows["softwareLinks"].splitlines() == shown[LINKS]

    lines = rows["individualSoftwareStatus"].splitlines()
    assert len(lines) == len(shown[INDIVIDUAL])
    for line, entry in zip(lines, shown[INDIVIDUAL], strict=True):
        assert f"target: {entry[TARGET_FIELD]}" in line
        assert f"softwareStatus: {label(STATUS(entry[STATUS_FIELD]))}" in line
        if SOFTWARE_FIELD in entry:
            assert f"softwareResourceID: {entry[SOFTWARE_FIELD]}" in line
    assert console_errors(browser) == []


@needs_browser
def test_progress_shows_counts_and_targets(browser, cse: CSEProcess, shown: dict) -> None:
    open_webui(browser, cse.base_url)
    select(browser, f"{PROTOCOL.campaign.name}: {shown['rn']}")
    panel = wait(
        browser, lambda d: (p := d.find_element("id", "acme-swc-progress")).is_displayed() and p
    )

    counts = {
        item.get_attribute("data-status"): int(
            item.find_element("class name", "acme-swc-count-value").text
        )
        for item in panel.find_elements("class name", "acme-swc-count")
    }
    expected = {member.name: 0 for member in STATUS}
    for entry in shown[INDIVIDUAL]:
        expected[STATUS(entry[STATUS_FIELD]).name] += 1
    assert counts == expected
    assert "2 of 4 targets finished" not in panel.text  # ERROR is finished too
    assert "3 of 4 targets finished" in panel.text

    rows = panel.find_elements("css selector", "table.acme-swc-targets tbody tr")
    assert len(rows) == len(shown[INDIVIDUAL])
    for row, entry in zip(rows, shown[INDIVIDUAL], strict=True):
        target, software, status = row.find_elements("tag name", "td")
        assert target.text == entry[TARGET_FIELD]
        assert status.text == STATUS(entry[STATUS_FIELD]).name
        link = software.find_element("tag name", "a")
        assert link.text == entry[SOFTWARE_FIELD]
        assert f"ri={requests.utils.quote(entry[SOFTWARE_FIELD], safe='')}" in link.get_attribute(
            "href"
        )
    snapshot(browser, "webui-campaign.png")

    # Another resource: the progress view goes away.
    select(browser, f"CSE: {cse.cse_name}")
    assert not browser.find_element("id", PROGRESS).is_displayed()
    assert console_errors(browser) == []


@needs_browser
def test_software_link_opens_the_software(browser, cse: CSEProcess, shown: dict) -> None:
    open_webui(browser, cse.base_url)
    select(browser, f"{PROTOCOL.campaign.name}: {shown['rn']}")
    link = wait(browser, lambda d: d.find_element("css selector", "a.acme-swc-software"))
    browser.get(link.get_attribute("href"))
    wait(browser, lambda d: d.execute_script("return !!(window.root && root.resource)"))
    assert browser.execute_script("return root.resource.mgd") is not None


# --- REST pane ------------------------------------------------------------------------------


@needs_browser
def test_csebase_offers_the_campaign_template(browser, cse: CSEProcess, shown: dict) -> None:
    open_webui(browser, cse.base_url)
    rest_pane(browser, "POST")
    button = wait(
        browser,
        lambda d: next(
            (
                b
                for b in d.find_elements("css selector", "a[id^='tplButton']")
                if b.is_displayed() and b.text == PROTOCOL.campaign.full_name
            ),
            None,
        ),
    )
    button.click()
    body = json.loads(browser.find_element("id", "rest-requestarea").get_attribute("value"))
    headers = browser.find_element("id", "rest-headers").get_attribute("value")
    assert list(body) == [PROTOCOL.campaign.type_name]
    template = body[PROTOCOL.campaign.type_name]
    for name in ("softwareVersion", "softwareName", "softwareURL", "softwareTargets"):
        assert PROTOCOL.short_name(name) in template
    assert not {LINKS, AGGREGATED, INDIVIDUAL} & set(template)
    assert f"ty={CAMPAIGN}" in headers
    snapshot(browser, "webui-create-template.png")

    # The template, filled in, creates a campaign. (It is sent by the test's client: the
    # pane's Send button of ACME 2026.5.3 addresses `//<ri>` when [http] root is empty.)
    ae = register_ae(cse)
    target = make_nodes(cse, 1, [ae])[0]
    placeholders = {v for v in template.values() if isinstance(v, str)}
    assert placeholders == {"==> fill <=="}, template
    filled = campaign_body([target])[PROTOCOL.campaign.type_name]
    # What the template marks "fill or remove" is removed.
    body = {name: filled[name] for name in template if name in filled}
    assert set(body) == set(template) - {PROTOCOL.short_name("softwareTriggerCriteria")}
    ty = int(re.search(r"ty=(\d+)", headers).group(1))
    rsc, created = cse.client.create(cse.cse_path, ty, {PROTOCOL.campaign.type_name: body}, ae)
    assert rsc == 2001, created


@needs_browser
def test_put_leaves_out_what_the_cse_sets(browser, cse: CSEProcess, shown: dict) -> None:
    open_webui(browser, cse.base_url)
    select(browser, f"{PROTOCOL.campaign.name}: {shown['rn']}")
    rest_pane(browser, "PUT")
    body = json.loads(browser.find_element("id", "rest-requestarea").get_attribute("value"))

    sent = body[PROTOCOL.campaign.type_name]
    assert not {LINKS, AGGREGATED, INDIVIDUAL, "ri", "ct", "lt", "ty", "pi", "cr"} & set(sent)
    assert sent[PROTOCOL.short_name("softwareVersion")] == shown["swvr"]
    assert sent[PROTOCOL.short_name("softwareTargets")] == shown["swtg"]


# --- Settings of ACME's web UI ----------------------------------------------------------------


def test_disabled_web_ui_gets_nothing_and_the_cse_works(cse_factory) -> None:
    cse = cse_factory(settings={"webui": {"enable": "false"}})

    for path in (
        "/webui/index.html",
        "/webui/acme-swc/swc-webui.js",
        "/webui/acme-swc/values.json",
    ):
        response = requests.get(cse.base_url + path, timeout=10)
        assert "acme-swc" not in response.text, path
        assert response.headers.get("Content-Type", "").split(";")[0] not in (
            "text/html",
            "text/javascript",
        ), path

    ae = register_ae(cse)
    nodes = make_nodes(cse, 1, [ae])
    create_campaign(cse, ae, campaign_body(nodes))
    assert "Traceback" not in cse.log()


def test_web_ui_root_setting_is_followed(cse_factory) -> None:
    cse = cse_factory(settings={"webui": {"root": "/console"}})

    page = requests.get(f"{cse.base_url}/console/index.html", timeout=10)
    assert page.status_code == 200
    assert '<script src="acme-swc/swc-webui.js"></script>' in page.text
    values = requests.get(f"{cse.base_url}/console/acme-swc/values.json", timeout=10).json()
    assert values["campaign"]["code"] == CAMPAIGN
    assert "acme-swc" not in requests.get(f"{cse.base_url}/webui/index.html", timeout=10).text


def test_a_reset_keeps_the_extension(cse_factory) -> None:
    """A reset restarts the plugin; the routes, added once, keep serving."""
    cse = cse_factory(upper_tester=True)
    cse.reset()

    page = requests.get(f"{cse.base_url}/webui/index.html", timeout=10)
    assert '<script src="acme-swc/swc-webui.js"></script>' in page.text
    script = requests.get(f"{cse.base_url}/webui/acme-swc/swc-webui.js", timeout=10)
    assert script.status_code == 200
    assert "the web UI keeps its stock views" not in cse.log()


# --- Fail-soft: a web UI of another shape ---------------------------------------------------


class _Proxy(BaseHTTPRequestHandler):
    """Forwards everything to the CSE, except the files a test wants changed."""

    upstream = ""
    replace: dict = {}

    def _forward(self) -> None:
        path = self.path.split("?", 1)[0]
        for suffix, change in self.replace.items():
            if path.endswith(suffix):
                return self._answer(*change(self._upstream("GET")))
        self._answer(*self._upstream(self.command))

    def _upstream(self, method: str) -> tuple[int, dict, bytes]:
        length = int(self.headers.get("Content-Length") or 0)
        response = requests.request(
            method,
            self.upstream + self.path,
            headers={k: v for k, v in self.headers.items() if k.lower() != "host"},
            data=self.rfile.read(length) if length else None,
            allow_redirects=False,
            timeout=15,
        )
        return response.status_code, dict(response.headers), response.content

    def _answer(self, status: int, headers: dict, body: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            if key.lower() not in ("content-length", "transfer-encoding", "connection", "server"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, *args) -> None:
        pass


def _without_types_table(answer: tuple[int, dict, bytes]) -> tuple[int, dict, bytes]:
    """ACME's resourceTree.js with its `types` table renamed: the extension cannot find it."""
    status, headers, body = answer
    return status, headers, re.sub(rb"\btypes\b", b"acmeTypes", body)


def _not_found(answer: tuple[int, dict, bytes]) -> tuple[int, dict, bytes]:
    return 404, {"Content-Type": "text/plain"}, b"gone"


@pytest.fixture
def proxy(cse: CSEProcess):
    """A web server in front of the CSE that serves changed copies of some files."""
    handler = type("Proxy", (_Proxy,), {"upstream": cse.base_url, "replace": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield handler, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@needs_browser
def test_missing_table_leaves_the_stock_view(browser, proxy, shown: dict) -> None:
    handler, url = proxy
    handler.replace = {"/webui/js/resourceTree.js": _without_types_table}
    open_webui(browser, url)

    # The tree labels still come from the extension; the header falls back to ACME's.
    swc = f"{PROTOCOL.campaign.name}: {shown['rn']}"
    wait(browser, lambda d: swc in tree_labels(d))
    select(browser, swc)
    assert browser.find_element("id", "rootResourceName").text.startswith("Unknown: ")
    assert browser.find_element("id", PROGRESS).is_displayed()

    report = browser.execute_script("return window.acmeSwcWebUI")
    assert "type names" in report["skipped"]
    assert "tree labels" in report["applied"]
    entries = console(browser)
    assert any("type names left out" in e["message"] for e in entries), entries
    assert [e for e in entries if e["level"] == "SEVERE"] == []


@needs_browser
def test_without_values_the_stock_web_ui_works(browser, proxy, shown: dict) -> None:
    handler, url = proxy
    handler.replace = {"/acme-swc/values.json": _not_found}
    open_webui(browser, url)

    wait(browser, lambda d: f"unknown: {shown['rn']}" in tree_labels(d))
    select(browser, f"unknown: {shown['rn']}")
    assert browser.find_element("id", "rootResourceName").text.startswith("Unknown: ")
    errors = [m for m in console_errors(browser) if "values.json" not in m]
    assert errors == []
