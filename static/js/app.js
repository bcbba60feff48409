// Small progressive enhancements: copy buttons, "copy text and open", the phone's share sheet, the
// offline copy of Today (service worker). Pages work without this file.
(function () {
  "use strict";

  const INSTANCE_KEY = "advocacy.mastodon-instance";
  const PAGES_CACHE = "advocacy-pages-v1";

  function statusFor(element) {
    const scope = element.closest("[data-copy-scope]");
    return scope ? scope.querySelector(".copy-status") : null;
  }

  function say(element, message) {
    const status = statusFor(element);
    if (status) status.textContent = message;
  }

  // Synchronous, inside the tap: the dialog's new tab takes the focus right after, and an asynchronous
  // clipboard write could then be refused. The Clipboard API is the fallback.
  function copyNow(text, keepFocus) {
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "copy-buffer";
    document.body.appendChild(area);
    area.select();
    area.setSelectionRange(0, text.length);
    let copied = false;
    try {
      copied = document.execCommand("copy");
    } catch (err) {
      copied = false;
    }
    area.remove();
    if (keepFocus) keepFocus.focus({ preventScroll: true });
    if (!copied && navigator.clipboard) {
      navigator.clipboard.writeText(text).catch(() => {});
      return true;
    }
    return copied;
  }

  document.addEventListener("click", (event) => {
    // "Copy text and open LinkedIn": copy, then let the form post (records the share, opens the dialog).
    const opener = event.target.closest("button[data-copy-text]");
    if (opener) {
      const label = opener.getAttribute("data-network-label") || "the network";
      const copied = copyNow(opener.getAttribute("data-copy-text"), opener);
      say(opener, copied ? `Text copied — paste it in ${label}` : `Could not copy the text: copy it from the card, then paste it in ${label}`);
      return;
    }
    const button = event.target.closest("[data-copy]");
    if (button) {
      const copied = copyNow(button.getAttribute("data-copy"), button);
      const done = button.getAttribute("data-copied");
      if (done) say(button, copied ? done : "Could not copy: select the text and copy it");
      const label = button.textContent;
      button.textContent = copied ? "Copied" : label;
      setTimeout(() => { button.textContent = label; }, 1500);
      return;
    }
    const sheet = event.target.closest("button[data-share-sheet]");
    if (sheet) shareThroughSheet(sheet);
  });

  function csrfToken() {
    const field = document.querySelector("input[name=csrfmiddlewaretoken]");
    return field ? field.value : "";
  }

  async function shareThroughSheet(button) {
    const data = { text: button.getAttribute("data-text"), url: button.getAttribute("data-url") };
    try {
      await navigator.share(data);
    } catch (err) {
      if (err && err.name === "AbortError") return; // closed without picking an app
      say(button, "The share sheet could not open: use the buttons above.");
      return;
    }
    say(button, "Shared through your phone's share sheet.");
    try {
      await fetch(button.getAttribute("data-record"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken() },
      });
    } catch (err) {
      // Offline: the share happened; only our record of it is missing.
    }
  }

  function enhance() {
    if (typeof navigator.share === "function") {
      document.querySelectorAll("button[data-share-sheet]").forEach((button) => {
        const data = { text: button.getAttribute("data-text"), url: button.getAttribute("data-url") };
        if (!navigator.canShare || navigator.canShare(data)) button.hidden = false;
      });
    }
    let instance = "";
    try {
      instance = localStorage.getItem(INSTANCE_KEY) || "";
    } catch (err) {
      instance = "";
    }
    if (instance) {
      document.querySelectorAll("input[data-remember-instance], input[data-remembered-instance]").forEach((input) => {
        if (!input.value) input.value = instance;
      });
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    const typed = form.querySelector("input[data-remember-instance]");
    if (typed && typed.value.trim()) {
      try {
        localStorage.setItem(INSTANCE_KEY, typed.value.trim());
      } catch (err) {
        // private mode: nothing remembered
      }
    }
    // Leaving: the offline copy of Today is personal, so it goes with the session.
    if (form.matches("form[data-logout]") && window.caches) {
      caches.delete(PAGES_CACHE);
    }
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }

  // The service worker marks the copy it serves offline (data-offline-copy: when it was fetched).
  function offlineNote() {
    const main = document.querySelector("main");
    let note = document.getElementById("offline-note");
    const copy = document.documentElement.getAttribute("data-offline-copy");
    if (navigator.onLine && copy === null) {
      if (note) note.remove();
      return;
    }
    if (note || !main) return;
    let when = "";
    if (copy) {
      const date = new Date(copy);
      if (!isNaN(date)) when = ` (${date.toLocaleString([], { weekday: "short", hour: "2-digit", minute: "2-digit" })})`;
    }
    note = document.createElement("p");
    note.id = "offline-note";
    note.className = "msg warning";
    note.setAttribute("role", "status");
    note.textContent = `You are offline: this is the page as it was when you last opened it${when}. Sharing needs a connection.`;
    main.prepend(note);
  }
  window.addEventListener("online", offlineNote);
  window.addEventListener("offline", offlineNote);
  offlineNote();

  if ("serviceWorker" in navigator && document.documentElement.hasAttribute("data-service-worker")) {
    navigator.serviceWorker
      .register(document.documentElement.getAttribute("data-service-worker"), { scope: "/" })
      .then(() => navigator.serviceWorker.ready)
      .then(() => {
        // The first visit was not served through the worker: keep this copy of Today for offline use now.
        const keep = document.documentElement.getAttribute("data-offline-page");
        if (keep && !navigator.serviceWorker.controller && window.caches) {
          return caches.open(PAGES_CACHE).then((cache) => cache.add(keep));
        }
        return null;
      })
      .catch(() => {});
  }
})();
