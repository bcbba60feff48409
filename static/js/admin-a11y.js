// Accessible names the Django admin's widgets lack: select2's search box in autocomplete fields
// (a multiple select's inline search input has no label; axe: "label", critical). Each gets the
// field's own label text. Watches the page because select2 builds and rebuilds these boxes itself.
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
    });
  }
  function start() {
    name(document);
    new MutationObserver(() => name(document)).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
