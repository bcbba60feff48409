// Live count for the share editor, by the network's own rule (mirrors campaigns/networks.py):
// URLs weigh url-weight when set; X weighs non-Latin code points 2; others count graphemes.
(function () {
  "use strict";
  const URL_RE = /https?:\/\/\S+/gi;
  const seg = typeof Intl !== "undefined" && Intl.Segmenter ? new Intl.Segmenter(undefined, { granularity: "grapheme" }) : null;
  const graphemes = (t) => (seg ? Array.from(seg.segment(t), (s) => s.segment) : Array.from(t));
  const LIGHT = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
  const xWeight = (g) => {
    if (Array.from(g).length > 1 && /[^\x00-\x7f]/.test(g)) return 2;
    const cp = g.codePointAt(0);
    return LIGHT.some(([lo, hi]) => cp >= lo && cp <= hi) ? 1 : 2;
  };
  function update(area) {
    const out = area.form.querySelector(".share-counter");
    const limit = parseInt(area.dataset.limit, 10);
    const urlWeight = parseInt(area.dataset.urlWeight, 10);
    let text = area.value.trim() + "\n" + area.dataset.link;
    let n = 0;
    if (urlWeight) {
      n += (text.match(URL_RE) || []).length * urlWeight;
      text = text.replace(URL_RE, "");
    }
    const gs = graphemes(text);
    n += area.dataset.weighted ? gs.reduce((s, g) => s + xWeight(g), 0) : gs.length;
    out.textContent = limit ? `${n} / ${limit} ${area.dataset.unit}` : `${n} ${area.dataset.unit}`;
    out.classList.toggle("over", Boolean(limit) && n > limit);
  }
  document.addEventListener("input", (e) => { if (e.target.matches("textarea[data-share-counter]")) update(e.target); });
  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("textarea[data-share-counter]").forEach(update));
})();
