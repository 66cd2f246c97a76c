#!/usr/bin/python3
"""Renders the release report's index.html in headless Chromium and checks it (docs/gates.md).

  check_page.py INDEX.html --results results.json --shots DIR [--chromium PROG]

Talks to Chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: fd 3 in,
fd 4 out, NUL-terminated JSON), so nothing listens on a port and nothing beyond the standard
library is needed. For a desktop (1280x800) and a phone (390x844, touch, scale 3) viewport:
  - no console error, exception or failed/blocked load (the page's CSP forbids every fetch);
  - every gate of results.json has its row in the table and its section, and every plot the
    results call for is on the page (a figure with data-plot);
  - legible: the page never scrolls sideways, body text is at least 12 px, and chart text
    (11 viewBox units, scaled with the chart) renders at 8 px or more;
and writes a screenshot of each into DIR (desktop.png, phone.png, desktop-full.png).
Exit 0 when every check holds, 1 when one fails (each printed), 2 when Chromium cannot run.
"""
import argparse
import base64
import json
import os
import pathlib
import select
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT_S = 60


class Cdp:
    def __init__(self, chromium, profile):
        r_cmd, w_cmd = os.pipe()
        r_ev, w_ev = os.pipe()

        def child_fds():
            a, b = os.dup(r_cmd), os.dup(w_ev)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-pipe", f"--user-data-dir={profile}",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--no-first-run",
             "--no-default-browser-check", "--mute-audio", "--hide-scrollbars",
             "about:blank"],
            preexec_fn=child_fds, close_fds=False,
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        os.close(r_cmd)
        os.close(w_ev)
        self.w = w_cmd
        self.r = r_ev
        self.buf = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.w, json.dumps(msg).encode() + b"\0")
        want = self.next_id
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            m = self.read(deadline)
            if m.get("id") == want:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def read(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("Chromium did not answer")
            ready, _, _ = select.select([self.r], [], [], left)
            if ready:
                chunk = os.read(self.r, 1 << 20)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe: " +
                                       self.proc.stderr.read().decode(errors="replace")[-2000:])
                self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def wait_event(self, method, session, timeout_s=TIMEOUT_S):
        for i, e in enumerate(self.events):
            if e.get("method") == method and e.get("sessionId") == session:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout_s
        while True:
            m = self.read(deadline)
            if m.get("method") == method and m.get("sessionId") == session:
                return m
            self.events.append(m)

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


PAGE_FACTS = r"""JSON.stringify((() => {
  const px = v => parseFloat(v);
  const svgs = [...document.querySelectorAll('figure.plot svg')];
  let chartFontMin = 1e9;
  for (const s of svgs) {
    const vb = s.viewBox.baseVal; const w = s.getBoundingClientRect().width;
    if (vb && vb.width > 0 && w > 0) chartFontMin = Math.min(chartFontMin, 11 * w / vb.width);
  }
  let textMin = 1e9;
  for (const e of document.querySelectorAll('p, td, th, li, figcaption, h1, h2, h3')) {
    if (e.getClientRects().length === 0) continue;
    textMin = Math.min(textMin, px(getComputedStyle(e).fontSize));
  }
  return {
    rows: [...document.querySelectorAll('tr.gate-row')].map(e => e.id),
    sections: [...document.querySelectorAll('section.gate')].map(e => e.id),
    plots: [...document.querySelectorAll('figure.plot')].map(e => e.dataset.plot),
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    height: document.documentElement.scrollHeight,
    chartFontMin: svgs.length ? chartFontMin : null,
    textMin: textMin,
    banner: (document.getElementById('verdict') || {}).textContent || '',
  };
})())"""


def expected_plots(results):
    """The figures the page must show for these results (report_html.cc draws them)."""
    want = []
    first_contrast = True
    for g in results["gates"]:
        p = g.get("plot") or {}
        if g["kind"] == "policy_contrast" and "ratios" in p:
            want.append(g["id"] + "-ratios")
            if first_contrast:
                want += ["cdf-" + k for k in p["cdf"]] + ["share-" + k for k in p["cpu_share"]]
                want.append("parity")
                first_contrast = False
        elif g["kind"] == "properties" and "probes" in p:
            want += ["property-cases", "probes"]
        elif g["kind"] == "scenario" and p.get("outcomes"):
            want.append("revocation-outcomes")
        elif g["kind"] == "bench" and "bars" in p:
            want.append("bench-ratios")
    return want


def check_view(cdp, session, url, name, width, height, mobile, results, shots, problems):
    cdp.send("Emulation.setDeviceMetricsOverride",
             {"width": width, "height": height, "deviceScaleFactor": 3 if mobile else 1,
              "mobile": mobile}, session)
    if mobile:
        cdp.send("Emulation.setTouchEmulationEnabled", {"enabled": True}, session)
    cdp.events.clear()
    cdp.send("Page.navigate", {"url": url}, session)
    cdp.wait_event("Page.loadEventFired", session)
    facts = json.loads(cdp.send("Runtime.evaluate", {"expression": PAGE_FACTS,
                                                     "returnByValue": True},
                                session)["result"]["value"])
    # Console and log errors that arrived while loading (and a moment after).
    time.sleep(0.3)
    cdp.send("Runtime.evaluate", {"expression": "1"}, session)
    for e in cdp.events:
        m, p = e.get("method"), e.get("params", {})
        if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
            problems.append(f"{name}: console error: {p.get('args')}")
        elif m == "Runtime.exceptionThrown":
            problems.append(f"{name}: exception: {p.get('exceptionDetails', {}).get('text')}")
        elif m == "Log.entryAdded" and p.get("entry", {}).get("level") == "error":
            problems.append(f"{name}: console error: {p['entry'].get('text')}")
        elif m == "Network.loadingFailed":
            problems.append(f"{name}: a load failed: {p.get('errorText')} {p.get('blockedReason', '')}")
    for g in results["gates"]:
        if "row-" + g["id"] not in facts["rows"]:
            problems.append(f"{name}: no table row for gate {g['id']}")
        if "gate-" + g["id"] not in facts["sections"]:
            problems.append(f"{name}: no section for gate {g['id']}")
    for p in expected_plots(results):
        if p not in facts["plots"]:
            problems.append(f"{name}: plot {p} is missing")
    if facts["scrollWidth"] > facts["innerWidth"]:
        problems.append(f"{name}: the page scrolls sideways ({facts['scrollWidth']} px wide "
                        f"in a {facts['innerWidth']} px viewport)")
    if facts["textMin"] < 12:
        problems.append(f"{name}: text at {facts['textMin']} px (under 12)")
    if facts["chartFontMin"] is not None and facts["chartFontMin"] < 8:
        problems.append(f"{name}: chart text at {facts['chartFontMin']:.1f} px (under 8)")
    verdict = {"pass": "PASS", "fail": "FAIL", "incomplete": "INCOMPLETE"}[results["verdict"]]
    if verdict not in facts["banner"]:
        problems.append(f"{name}: the banner does not say {verdict}: {facts['banner']!r}")
    shot = cdp.send("Page.captureScreenshot", {"format": "png"}, session)
    (shots / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))
    if not mobile:
        cdp.send("Emulation.setDeviceMetricsOverride",
                 {"width": width, "height": min(int(facts["height"]), 12000),
                  "deviceScaleFactor": 1, "mobile": False}, session)
        shot = cdp.send("Page.captureScreenshot", {"format": "png"}, session)
        (shots / f"{name}-full.png").write_bytes(base64.b64decode(shot["data"]))
    print(f"{name} {width}x{height}: {len(facts['rows'])} gate rows, {len(facts['plots'])} plots, "
          f"{facts['scrollWidth']} px wide, text >= {facts['textMin']} px, chart text >= "
          f"{facts['chartFontMin'] if facts['chartFontMin'] is None else round(facts['chartFontMin'], 1)} px")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("page")
    ap.add_argument("--results", required=True)
    ap.add_argument("--shots", required=True)
    ap.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    a = ap.parse_args()
    if not os.access(a.chromium, os.X_OK):
        print(f"check_page: {a.chromium} not found (scripts/setup.sh installs chromium)")
        return 2
    results = json.loads(pathlib.Path(a.results).read_text())
    shots = pathlib.Path(a.shots)
    shots.mkdir(parents=True, exist_ok=True)
    url = pathlib.Path(a.page).resolve().as_uri()
    problems = []
    with tempfile.TemporaryDirectory() as profile:
        cdp = Cdp(a.chromium, profile)
        try:
            targets = cdp.send("Target.getTargets")["targetInfos"]
            page = next(t for t in targets if t["type"] == "page")
            session = cdp.send("Target.attachToTarget",
                               {"targetId": page["targetId"], "flatten": True})["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                cdp.send(domain + ".enable", {}, session)
            check_view(cdp, session, url, "desktop", 1280, 800, False, results, shots, problems)
            check_view(cdp, session, url, "phone", 390, 844, True, results, shots, problems)
        finally:
            cdp.close()
    for p in problems:
        print("FAIL: " + p)
    print(f"screenshots in {shots}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
