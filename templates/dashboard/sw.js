// Advocacy's service worker: Today stays readable offline (the last copy this browser saw) and is
// refreshed from the network whenever there is one. No push. Served at /sw.js so its scope is the site.
"use strict";
const ASSETS = "advocacy-assets-{{ version }}";
const PAGES = "advocacy-pages-v1";
const PRECACHE = [{% for url in assets %}"{{ url|escapejs }}"{% if not forloop.last %}, {% endif %}{% endfor %}];
const OFFLINE_PAGES = ["{{ today_url|escapejs }}"];
const STATIC_PREFIX = "{{ static_prefix|escapejs }}";
const LOGIN_PREFIX = "{{ login_prefix|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(ASSETS).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((n) => n.startsWith("advocacy-assets-") && n !== ASSETS).map((n) => caches.delete(n))))
      .then(() => self.clients.claim())
  );
});

async function pageFromNetwork(request) {
  const cache = await caches.open(PAGES);
  try {
    const response = await fetch(request);
    const url = new URL(response.url || request.url);
    if (response.ok && !response.redirected && response.type === "basic") {
      await cache.put(request, response.clone());
    } else if (url.pathname.startsWith(LOGIN_PREFIX)) {
      await caches.delete(PAGES); // signed out: the personal copy goes too
    }
    return response;
  } catch (err) {
    const saved = (await cache.match(request, { ignoreVary: true })) ||
      (await cache.match(request, { ignoreVary: true, ignoreSearch: true }));
    if (!saved) throw err;
    // Marked, so the page can say it is the copy from when it was last seen.
    const when = (saved.headers.get("Date") || "").replace(/[^\w ,:+-]/g, "");
    const body = (await saved.text()).replace("<html ", `<html data-offline-copy="${when}" `);
    return new Response(body, { status: 200, headers: saved.headers });
  }
}

async function assetFromCache(request) {
  const cache = await caches.open(ASSETS);
  const saved = await cache.match(request);
  if (saved) return saved;
  const response = await fetch(request);
  if (response.ok) await cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && OFFLINE_PAGES.includes(url.pathname)) {
    event.respondWith(pageFromNetwork(request));
  } else if (url.pathname.startsWith(STATIC_PREFIX)) {
    event.respondWith(assetFromCache(request));
  }
});
