// Live character count for each network's copy in the post admin.
//
// One counting rule: campaigns/networks.py text_length(). The server renders its rule table
// (limits, URL pattern and weight, X's light code point ranges, the short-link stand-in) into
// <script id="text-rules" type="application/json">; this file implements the same steps on it.
// tests/campaigns/test_counting_parity.py runs AdvocacyText.textLength in Chromium against the
// Python function on URLs, emoji sequences, CJK and combining marks.
(function () {
  "use strict";

  // Python's str.strip() whitespace (str.isspace), not JavaScript's trim(): they differ at the edges.
  const STRIP = /^[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/gu;
  const pyStrip = (text) => text.replace(STRIP, "");
  const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

  function make(data) {
    const urlRe = () => new RegExp(data.url_pattern, "giu");
    const rule = (network) => data.networks[network] || data.networks.generic;
    const light = (cp) => data.light_ranges.some(([lo, hi]) => cp >= lo && cp <= hi);
    // networks.py _x_weight: a cluster of several code points that is not ASCII weighs 2.
    const xWeight = (g) => {
      const cps = Array.from(g);
      if (cps.length > 1 && /[^\x00-\x7f]/u.test(g)) return 2;
      return light(cps[0].codePointAt(0)) ? 1 : 2;
    };
    function textLength(network, text) {
      const r = rule(network);
      let urlUnits = 0;
      if (r.url_weight !== null) {
        urlUnits = r.url_weight * (text.match(urlRe()) || []).length;
        text = text.replace(urlRe(), "");
      }
      const gs = Array.from(segmenter.segment(text), (s) => s.segment);
      return urlUnits + (r.weighted ? gs.reduce((n, g) => n + xWeight(g), 0) : gs.length);
    }
    // networks.py compose_share_text: copy, the locked disclaimer, then the short link on its own line.
    function compose(copy, disclaimer, link) {
      const body = [pyStrip(copy), pyStrip(disclaimer || "")].filter(Boolean).join("\n\n");
      return link ? `${body}\n${link}` : body;
    }
    return { data, rule, textLength, compose, pyStrip };
  }

  function load() {
    const el = document.getElementById("text-rules");
    return el ? make(JSON.parse(el.textContent)) : null;
  }

  const api = { make, load };
  window.AdvocacyText = api;

  function networkOf(area) {
    const row = area.closest(".inline-related, tr, fieldset");
    const select = row ? row.querySelector('select[name$="-network"]') : null;
    return select && select.value ? select.value : "generic";
  }
  function disclaimer() {
    const field = document.getElementById("id_disclaimer");
    if (field) return field.value;
    const shown = document.querySelector(".field-disclaimer .readonly");
    return shown ? shown.textContent : "";
  }

  function update(text, area) {
    const network = networkOf(area);
    const rule = text.rule(network);
    let out = area.parentNode.querySelector(".variant-counter");
    if (!out) {
      out = document.createElement("span");
      out.className = "variant-counter";
      out.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", out);
    }
    const n = text.textLength(network, text.compose(area.value, disclaimer(), text.data.link));
    if (rule.limit) {
      out.textContent = `${n} / ${rule.limit} ${rule.unit} (with disclaimer and short link)`;
      out.classList.toggle("over", n > rule.limit);
    } else {
      out.textContent = `${n} ${rule.unit}`;
      out.classList.remove("over");
    }
  }

  function start() {
    const text = load();
    if (!text) return;
    const all = () => document.querySelectorAll("textarea[data-variant-counter]").forEach((a) => update(text, a));
    api.refresh = all;
    document.addEventListener("input", (e) => {
      if (e.target.matches("textarea[data-variant-counter]")) update(text, e.target);
      if (e.target.id === "id_disclaimer") all();
    });
    document.addEventListener("change", (e) => { if (e.target.matches('select[name$="-network"]')) all(); });
    document.addEventListener("formset:added", all);
    all();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
