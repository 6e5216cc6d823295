"""The HTML report opened in a real browser: headless Chromium from the system packages.

A copy of the page gets a small probe script (allowed by its hash in the page's
Content-Security-Policy, which otherwise forbids every script) that records, once the page
has loaded, each ``<img>``'s ``naturalWidth`` and every error the page raised (failed
resource, policy violation, ``console.error``) into the DOM, which Chromium dumps. Chromium's
own log (``--enable-logging=stderr``) is read for console messages too: the page has no
script of its own, so any console message is a fault.

Chromium missing fails the test in CI (``CI`` set) and skips it elsewhere.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from report_fixtures import images_expected, make_train_run

from unetdiag.report import write_report_files
from unetdiag.report.html.page import CONTENT_SECURITY_POLICY

BROWSER_NAMES = ("chromium", "chromium-browser")
BROWSER_TIMEOUT = 180  # seconds; a cold start on a loaded 2-core machine takes ~10
PROBE_ID = "unetdiag-probe"
PROBE = """(function () {
  var errors = [];
  window.addEventListener("error", function (event) {
    var target = event.target || {};
    errors.push("error: " + (event.message || (target.tagName + " failed to load")));
  }, true);
  document.addEventListener("securitypolicyviolation", function (event) {
    errors.push("policy: " + event.violatedDirective + " " + event.blockedURI);
  });
  var consoleError = console.error;
  console.error = function () {
    errors.push("console.error: " + Array.prototype.join.call(arguments, " "));
    consoleError.apply(console, arguments);
  };
  window.addEventListener("load", function () {
    var images = Array.prototype.map.call(document.images, function (image) {
      return {alt: image.alt, complete: image.complete, naturalWidth: image.naturalWidth};
    });
    var out = document.createElement("pre");
    out.id = "PROBE_ID";
    out.textContent = JSON.stringify({images: images, errors: errors});
    document.body.appendChild(out);
  });
})();""".replace("PROBE_ID", PROBE_ID)
PROBE_RE = re.compile(rf"<pre id=\"{PROBE_ID}\">(.*?)</pre>", re.DOTALL)
CONSOLE_RE = re.compile(r":CONSOLE[:(\]]")


@dataclass
class BrowserView:
    """What Chromium saw: each image (alt, naturalWidth) and every error."""

    images: list[tuple[str, int]]
    errors: list[str]

    @property
    def broken(self) -> list[str]:
        return [alt for alt, width in self.images if width == 0]


def _browser() -> str:
    found = next((path for name in BROWSER_NAMES if (path := shutil.which(name))), None)
    if found is None:
        reason = (f"none of {', '.join(BROWSER_NAMES)} is installed "
                  "(.ci/run installs chromium with apt-get)")
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"CI needs a browser for this test: {reason}")
        pytest.skip(reason)
    return found


def _with_probe(page: str) -> str:
    """The page with the probe first in <head>, its hash added to the page's policy."""
    digest = base64.b64encode(hashlib.sha256(PROBE.encode()).digest()).decode()
    policy = f"{CONTENT_SECURITY_POLICY}; script-src 'sha256-{digest}'"
    assert CONTENT_SECURITY_POLICY in page
    page = page.replace(CONTENT_SECURITY_POLICY, policy, 1)
    head_end = page.index("</head>")
    return page[:head_end] + f"<script>{PROBE}</script>\n" + page[head_end:]


def open_in_browser(page_path: Path, work_dir: Path) -> BrowserView:
    """Load a copy of the page (with the probe) in headless Chromium, offline."""
    probed = work_dir / f"probed-{page_path.name}"
    probed.write_text(_with_probe(page_path.read_text(encoding="utf-8")), encoding="utf-8")
    command = [_browser(), "--headless", "--no-sandbox", "--disable-gpu",
               "--disable-background-networking", "--no-first-run", "--no-default-browser-check",
               f"--user-data-dir={work_dir / 'profile'}", "--enable-logging=stderr", "--v=0",
               "--virtual-time-budget=3000", "--dump-dom", probed.as_uri()]
    result = subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT,
                            stdin=subprocess.DEVNULL, check=False)
    match = PROBE_RE.search(result.stdout)
    assert match, (f"Chromium exited {result.returncode} without the probe's result; "
                   f"stderr:\n{result.stderr[-3000:]}")
    seen = json.loads(html.unescape(match.group(1)))
    console = [line for line in result.stderr.splitlines() if CONSOLE_RE.search(line)]
    return BrowserView([(image["alt"], image["naturalWidth"]) for image in seen["images"]],
                       seen["errors"] + console)


@pytest.fixture(scope="module")
def train_page(tmp_path_factory) -> Path:
    run_dir = tmp_path_factory.mktemp("run")
    return write_report_files(make_train_run(run_dir), run_dir)["html"]


def test_train_report_loads_every_image_without_errors(train_page, tmp_path):
    view = open_in_browser(train_page, tmp_path)
    assert view.errors == []
    assert len(view.images) == images_expected()
    assert view.broken == []


def test_a_broken_image_is_caught(train_page, tmp_path):
    page = train_page.read_text(encoding="utf-8")
    broken = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "data:image/png;base64,AAAA",
                    page, count=1)
    path = tmp_path / "broken.html"
    path.write_text(broken, encoding="utf-8")
    view = open_in_browser(path, tmp_path)
    assert len(view.broken) == 1
    assert view.errors  # the failed image is an error event too


def test_a_network_image_or_a_script_is_blocked_and_reported(train_page, tmp_path):
    page = train_page.read_text(encoding="utf-8")
    extra = ("<img src=\"https://example.invalid/x.png\" alt=\"remote\">"
             "<script>document.title = 'ran';</script>")
    path = tmp_path / "remote.html"
    path.write_text(page.replace("</body>", extra + "</body>"), encoding="utf-8")
    view = open_in_browser(path, tmp_path)
    assert "remote" in view.broken
    assert any("img-src" in error for error in view.errors)
    assert any("script" in error.lower() for error in view.errors)
