// Accessible names the Django admin's widgets lack: select2's search box in autocomplete fields
// (a multiple select's inline search input has no label; axe: "label", critical), a single
// select2's combobox while nothing is chosen (its labelling element is empty; axe:
// "aria-input-field-name", serious), and the inlines' "Delete" checkboxes (a column header, not a
// label). Each gets the field's own label text. Watches the page because select2 builds and
// rebuilds these boxes itself and inline rows are added on the page.
(function () {
  "use strict";
  function labelOf(select) {
    const label = select.id ? document.querySelector(`label[for="${select.id}"]`) : null;
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }
  function name(root) {
    root.querySelectorAll("select.admin-autocomplete").forEach((select) => {
      const container = select.nextElementSibling;
      if (!container || !container.classList.contains("select2")) return;
      container.querySelectorAll(".select2-search__field:not([aria-label])").forEach((input) => {
        input.setAttribute("aria-label", `Search ${labelOf(select) || "options"}`);
      });
      const single = ".select2-selection--single:not([aria-label]), .select2-selection__rendered[role=textbox]:not([aria-label])";
      container.querySelectorAll(single).forEach((combo) => {
        combo.setAttribute("aria-label", labelOf(select) || "Choose");
      });
    });
    root.querySelectorAll('.inline-group input[type="checkbox"][name$="-DELETE"]:not([aria-label])').forEach((box) => {
      const row = box.closest("tr, .inline-related");
      const original = row ? row.querySelector("td.original p, h3 b, h3") : null;
      const what = original ? original.textContent.trim() : "";
      box.setAttribute("aria-label", what ? `Delete ${what}` : "Delete this row");
    });
  }
  // At phone widths a tabular inline scrolls sideways: keyboard users must be able to reach it (axe:
  // "scrollable-region-focusable", serious), so it becomes a focusable region named by its heading.
  function reachable() {
    document.querySelectorAll(".inline-group:not([tabindex])").forEach((group) => {
      if (group.scrollWidth <= group.clientWidth) return;
      const heading = group.querySelector("h2");
      group.setAttribute("tabindex", "0");
      group.setAttribute("role", "region");
      group.setAttribute("aria-label", heading ? heading.textContent.trim() : "Inline rows");
    });
  }
  function start() {
    name(document);
    reachable();
    window.addEventListener("resize", reachable);
    new MutationObserver(() => name(document)).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
