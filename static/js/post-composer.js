// The post page's composer: "Fill all networks from the generic copy", one-click campaign hashtags,
// and a preview card per network that follows the typing. Counting and composing come from
// variant-counter.js (AdvocacyText), i.e. the server's rule; nothing here talks to the network:
// images are the post's own (same-origin) image and its stored renditions.
(function () {
  "use strict";

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const json = (id, fallback) => { const el = document.getElementById(id); return el ? JSON.parse(el.textContent) : fallback; };

  function rows() {
    return $$("#variants-group .inline-related").filter((row) => !row.classList.contains("empty-form") && $("textarea", row));
  }
  const networkOf = (row) => { const s = $('select[name$="-network"]', row); return s ? s.value : ""; };
  const textOf = (row) => $("textarea", row);
  function disclaimer() {
    const field = document.getElementById("id_disclaimer");
    if (field) return field.value;
    const shown = $(".field-disclaimer .readonly");
    return shown ? shown.textContent : "";
  }
  const fire = (el, type) => el.dispatchEvent(new Event(type, { bubbles: true }));

  // The longest start of `copy`, cut between words, whose full text fits the network's limit.
  function fit(text, network, copy) {
    const rule = text.rule(network);
    const fits = (c) => !rule.limit || text.textLength(network, text.compose(c, disclaimer(), text.data.link)) <= rule.limit;
    if (fits(copy)) return copy;
    const words = copy.split(/(\s+)/u);  // keeps the spaces, so line breaks survive
    const cut = (n) => words.slice(0, n).join("").replace(/[\s.,;:!?\u2014-]+$/u, "") + "…";
    let lo = 0;
    let hi = words.length;
    while (lo < hi) {  // binary search on the number of pieces kept
      const mid = Math.ceil((lo + hi) / 2);
      if (fits(cut(mid))) lo = mid; else hi = mid - 1;
    }
    return lo ? cut(lo) : "";
  }

  function fillFromGeneric(text) {
    const generic = rows().find((r) => networkOf(r) === "generic");
    const copy = generic ? textOf(generic).value.trim() : "";
    const status = $("#composer-status");
    if (!copy) { status.textContent = "Write the generic copy first."; return; }
    const select = $('#variants-group select[name$="-network"]');
    const networks = select ? Array.from(select.options).map((o) => o.value).filter((v) => v && v !== "generic") : [];
    const filled = [];
    for (const network of networks) {
      let row = rows().find((r) => networkOf(r) === network);
      if (row && textOf(row).value.trim()) continue;
      if (!row) {
        row = rows().find((r) => !networkOf(r) && !textOf(r).value.trim());
      }
      if (!row) {
        const add = $("#variants-group .add-row a");
        if (!add) break;  // the maximum number of variants is reached
        add.click();
        const all = rows();
        row = all[all.length - 1];
      }
      const s = $('select[name$="-network"]', row);
      s.value = network;
      fire(s, "change");
      textOf(row).value = fit(text, network, copy);
      fire(textOf(row), "input");
      filled.push(text.rule(network).label);
    }
    status.textContent = filled.length ? `Filled ${filled.join(", ")} from the generic copy.` : "Every network already has its copy.";
  }

  function hashtagButtons(row, tags) {
    if (!tags.length || $(".hashtag-buttons", row)) return;
    const area = textOf(row);
    const box = document.createElement("div");
    box.className = "hashtag-buttons";
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Insert a campaign hashtag");
    for (const tag of tags) {
      const b = document.createElement("button");
      b.type = "button";
      b.className = "button";
      b.textContent = tag;
      b.title = `Insert ${tag}`;
      b.addEventListener("click", () => {
        if (!area.value.includes(tag)) {
          const end = area.selectionEnd || area.value.length;
          const before = area.value.slice(0, end);
          const sep = before && !/\s$/u.test(before) ? " " : "";
          area.value = before + sep + tag + area.value.slice(end);
        }
        fire(area, "input");
        area.focus();
      });
      box.appendChild(b);
    }
    const counter = $(".variant-counter", row);
    (counter || area).insertAdjacentElement("afterend", box);
  }

  function el(tag, className, textContent) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (textContent !== undefined) node.textContent = textContent;
    return node;
  }

  function ratioClass(w, h) {
    const r = w / h;
    if (r > 1.85) return "ratio-191";
    if (r > 1.3) return "ratio-169";
    return "ratio-1";
  }

  function renderPreviews(text, section) {
    const cards = $(".preview-cards", section);
    const renditions = json("post-renditions", {});
    const image = section.dataset.image || "";
    const author = section.dataset.author || "You";
    // A published post (and a correction of it) shows title and address as text: the section carries them.
    const title = ($("#id_title") || {}).value || section.dataset.title || "";
    const target = ($("#id_target_url") || {}).value || section.dataset.target || "";
    let domain = "";
    try { domain = target ? new URL(target).hostname : ""; } catch (e) { domain = ""; }
    const pendingUpload = $("#id_image") && $("#id_image").files && $("#id_image").files.length;
    cards.replaceChildren();
    for (const row of rows()) {
      const network = networkOf(row) || "generic";
      const copy = textOf(row).value;
      if (!copy.trim()) continue;
      const rule = text.rule(network);
      const full = text.compose(copy, disclaimer(), text.data.link);
      const card = el("article", "preview-card");
      card.dataset.network = network;
      card.setAttribute("aria-label", `${rule.label} preview`);
      const header = el("header");
      header.append(el("span", "preview-avatar", author.trim().charAt(0).toUpperCase() || "?"),
        el("strong", "", author), el("span", "preview-network", rule.label));
      card.append(header);
      card.append(el("p", "preview-text", full));
      const r = renditions[network] || renditions.generic;
      const link = el("div", "preview-link-card");
      if (r || image) {
        const media = el("div", "preview-media " + (r ? ratioClass(r.width, r.height) : "ratio-191"));
        const img = el("img");
        img.src = r ? r.url : image;
        img.alt = "";
        media.append(img);
        link.append(media);
      }
      const body = el("div", "preview-card-body");
      body.append(el("div", "preview-domain", domain), el("strong", "", title));
      link.append(body);
      card.append(link);
      if (pendingUpload) card.append(el("p", "help", "The new image shows here after saving."));
      const n = text.textLength(network, full);
      const counter = el("p", "preview-counter", rule.limit ? `${n} / ${rule.limit} ${rule.unit}` : `${n} ${rule.unit}`);
      if (rule.limit && n > rule.limit) counter.classList.add("over");
      card.append(counter);
      cards.append(card);
    }
    if (!cards.children.length) cards.append(el("p", "help", "Write some copy to see the previews."));
  }

  function start() {
    const text = window.AdvocacyText && window.AdvocacyText.load();
    const group = document.getElementById("variants-group");
    if (!text || !group) return;
    const tags = json("campaign-hashtags", []);
    const editable = $$("textarea", group).length > 0;
    if (editable) {
      const tools = el("div", "composer-tools");
      const fill = el("button", "button", "Fill all networks from the generic copy");
      fill.type = "button";
      fill.id = "fill-from-generic";
      fill.addEventListener("click", () => fillFromGeneric(text));
      const status = el("span", "help");
      status.id = "composer-status";
      status.setAttribute("role", "status");
      tools.append(fill, status);
      const heading = $("h2", group);
      (heading || group.firstElementChild).insertAdjacentElement("afterend", tools);
    }
    const decorate = () => rows().forEach((row) => hashtagButtons(row, tags));
    decorate();
    const section = document.getElementById("post-previews");
    let pending = false;
    const refresh = () => {
      if (pending || !section) return;
      pending = true;
      requestAnimationFrame(() => { pending = false; renderPreviews(text, section); });
    };
    document.addEventListener("input", refresh);
    document.addEventListener("change", refresh);
    document.addEventListener("formset:added", () => { decorate(); refresh(); });
    refresh();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
