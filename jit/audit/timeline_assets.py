"""The style sheet and script of the HTML access timeline, and the page's CSP that admits
exactly them (by hash). Static text: the page's data never reaches either."""

from __future__ import annotations

import base64
import hashlib

STYLE = """
:root { --ink: #1d232b; --muted: #5b6570; --line: #d6dbe1; --bg: #f6f8fa;
  --revoked: #4a6fa5; --active: #2e8540; --overdue: #c0392b; --denied: #d4860b; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  margin: 0 auto; padding: 24px 28px 48px; max-width: 1400px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: var(--muted); margin: 0 0 16px; }
.verdict { border: 1px solid var(--line); border-left: 6px solid var(--active); padding: 10px 14px;
  background: var(--bg); border-radius: 4px; }
.verdict.fail { border-left-color: var(--overdue); }
.verdict strong { font-size: 15px; }
.verdict pre { margin: 8px 0 0; white-space: pre-wrap; font-size: 12px; }
.cards { display: flex; flex-wrap: wrap; gap: 10px; margin: 16px 0; padding: 0; list-style: none; }
.cards li { border: 1px solid var(--line); border-radius: 4px; padding: 6px 12px; min-width: 110px; }
.cards b { display: block; font-size: 20px; }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; padding: 10px 12px;
  background: var(--bg); border: 1px solid var(--line); border-radius: 4px; margin: 16px 0; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
.filters input, .filters select { font: inherit; padding: 3px 6px; min-width: 170px; }
.filters output { color: var(--muted); margin-left: auto; }
[hidden] { display: none !important; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); }
th { background: var(--bg); font-weight: 600; font-size: 12px; }
td { font-size: 13px; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.t, td code { white-space: nowrap; }
.scroll { overflow-x: auto; }
code { font: 12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.long { min-width: 14em; max-width: 28em; overflow-wrap: anywhere; }
.timeline td.who { width: 170px; white-space: nowrap; }
.timeline td.bars { padding: 2px 0; }
.timeline svg { display: block; width: 100%; height: 22px; }
.axis { display: grid; grid-template-columns: repeat(6, 1fr); font-size: 11px; color: var(--muted); }
.axis span { border-left: 1px solid var(--line); padding-left: 3px; }
.grid { stroke: var(--line); }
.bar { stroke: none; } .bar.revoked { fill: var(--revoked); } .bar.active { fill: var(--active); }
.bar.overdue { fill: var(--overdue); } .bar.denied { fill: var(--denied); }
.legend { display: flex; gap: 16px; font-size: 12px; color: var(--muted); margin: 4px 0; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 4px;
  vertical-align: -2px; }
.legend .revoked { background: var(--revoked); } .legend .active { background: var(--active); }
.legend .overdue { background: var(--overdue); } .legend .denied { background: var(--denied); }
.status { font-weight: 600; } .status.overdue { color: var(--overdue); }
.status.denied { color: var(--denied); } .status.active { color: var(--active); }
.warn { color: var(--overdue); font-weight: 600; }
@media print {
  body { padding: 0; max-width: none; font-size: 11px; }
  .filters { display: none !important; }
  tr, section.resource { break-inside: avoid; }
  h2 { break-after: avoid; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  @page { size: A4 landscape; margin: 12mm; }
}
"""

SCRIPT = """
"use strict";
(function () {
  var form = document.getElementById("filters");
  var text = document.getElementById("f-text");
  var status = document.getElementById("f-status");
  var resource = document.getElementById("f-resource");
  var count = document.getElementById("f-count");
  var total = document.querySelectorAll("#rows tr[data-filter]").length;
  function apply() {
    var q = text.value.trim().toLowerCase(), s = status.value, r = resource.value, shown = 0;
    document.querySelectorAll("[data-filter]").forEach(function (el) {
      var ok = (!s || (" " + el.getAttribute("data-status") + " ").indexOf(" " + s + " ") >= 0) &&
        (!r || el.getAttribute("data-resource") === r) &&
        (!q || el.getAttribute("data-filter").indexOf(q) >= 0);
      el.hidden = !ok;
      if (ok && el.closest("#rows")) { shown += 1; }
    });
    document.querySelectorAll("section.resource").forEach(function (section) {
      section.hidden = !section.querySelector("tr[data-filter]:not([hidden])");
    });
    count.textContent = shown + " of " + total + " rows shown";
  }
  form.hidden = false;
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  [text, status, resource].forEach(function (el) {
    el.addEventListener("input", apply);
    el.addEventListener("change", apply);
  });
  apply();
})();
"""


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


#: Nothing may load (no network, no images, no frames); the one style sheet and the one
#: script run because their hashes are listed; inline style attributes and handlers do not.
CSP = (
    "default-src 'none'; "
    f"style-src '{_sha256(STYLE)}'; "
    f"script-src '{_sha256(SCRIPT)}'; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)
