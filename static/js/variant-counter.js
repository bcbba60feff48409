// Live character count for each network's copy in the post admin.
// Mirrors campaigns/networks.py: X weighs URLs as 23 and non-Latin code points as 2;
// Mastodon counts graphemes with URLs as 23; Bluesky counts graphemes; the disclaimer
// and a short link are included because they always go out with the copy.
(function () {
  "use strict";
  const URL_RE = /https?:\/\/\S+/gi;
  const segmenter = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  const graphemes = (text) => (segmenter ? Array.from(segmenter.segment(text), (s) => s.segment) : Array.from(text));
  const LIGHT = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
  const xWeight = (g) => {
    if (g.length > 1 && /[^\x00-\x7f]/.test(g) && Array.from(g).length > 1) return 2;
    const cp = g.codePointAt(0);
    return LIGHT.some(([lo, hi]) => cp >= lo && cp <= hi) ? 1 : 2;
  };
  function count(rule, text) {
    let urlUnits = 0;
    if (rule.url) {
      const urls = text.match(URL_RE) || [];
      urlUnits = urls.length * rule.url;
      text = text.replace(URL_RE, "");
    }
    const gs = graphemes(text);
    return urlUnits + (rule.weighted ? gs.reduce((n, g) => n + xWeight(g), 0) : gs.length);
  }
  function fullText(area) {
    const disclaimer = (document.getElementById("id_disclaimer") || {}).value || "";
    const parts = [area.value.trim()];
    if (disclaimer.trim()) parts.push(disclaimer.trim());
    return parts.filter(Boolean).join("\n\n") + "\n" + area.dataset.link;
  }
  function update(area) {
    const limits = JSON.parse(area.dataset.limits);
    const select = area.closest(".inline-related, tr, fieldset").querySelector('select[name$="-network"]');
    const network = select ? select.value : "generic";
    const rule = limits[network] || limits.generic;
    let out = area.parentNode.querySelector(".variant-counter");
    if (!out) {
      out = document.createElement("span");
      out.className = "variant-counter";
      out.setAttribute("aria-live", "polite");
      area.insertAdjacentElement("afterend", out);
    }
    const n = count(rule, fullText(area));
    if (rule.limit) {
      out.textContent = `${n} / ${rule.limit} ${rule.unit} (with disclaimer and short link)`;
      out.classList.toggle("over", n > rule.limit);
    } else {
      out.textContent = `${n} ${rule.unit}`;
      out.classList.remove("over");
    }
  }
  function all() { document.querySelectorAll("textarea[data-variant-counter]").forEach(update); }
  document.addEventListener("input", (e) => {
    if (e.target.matches("textarea[data-variant-counter]")) update(e.target);
    if (e.target.id === "id_disclaimer") all();
  });
  document.addEventListener("change", (e) => { if (e.target.matches('select[name$="-network"]')) all(); });
  document.addEventListener("formset:added", all);
  document.addEventListener("DOMContentLoaded", all);
})();
