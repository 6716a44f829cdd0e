/* Waymark companion service worker; scope /companion/.
 *
 * Keeps the app shell only: a blank check-in form, a blank journal form, the offline page, the help-now
 * page as anyone signed out sees it (fetched without cookies: no contacts), the styles, scripts and icons. Nothing of the person's own data is cached: pages come from the network, and when
 * the network is not there the check-in and journal pages fall back to their blank forms (companion.js
 * then keeps what is written in the phone's outbox until it can be sent) and any other page to the
 * offline page. Only GET requests of this origin are touched.
 */
"use strict";

const CACHE_PREFIX = "waymark-companion-";
const CACHE = CACHE_PREFIX + "{{ version }}";
const URLS = {{ urls_json|safe }};
const ASSETS = {{ assets_json|safe }};
const SHELL_PAGES = [URLS.check_in_shell, URLS.journal_new_shell, URLS.offline];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(ASSETS);
      await Promise.all(SHELL_PAGES.map((url) => keepPage(cache, url)));
      await keepPage(cache, URLS.crisis, "omit");
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const names = await caches.keys();
      await Promise.all(
        names.filter((name) => name.startsWith(CACHE_PREFIX) && name !== CACHE).map((name) => caches.delete(name)),
      );
      await self.clients.claim();
    })(),
  );
});

// A page of the shell, kept only when it really is that page (signed out, it would be the sign-in page).
async function keepPage(cache, url, credentials = "same-origin") {
  try {
    const response = await fetch(url, { credentials: credentials, cache: "no-store" });
    if (response.ok && !response.redirected) {
      await cache.put(url, response);
    }
  } catch (error) {
    // Offline while installing: the next visit online fills it in.
  }
}

self.addEventListener("message", (event) => {
  // A page asks for fresh blank forms (after signing in again, their CSRF token changes).
  if (event.data === "refresh-shell") {
    event.waitUntil(
      caches
        .open(CACHE)
        .then((cache) =>
          Promise.all([...SHELL_PAGES.map((url) => keepPage(cache, url)), keepPage(cache, URLS.crisis, "omit")]),
        ),
    );
  }
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") {
    return;
  }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (request.mode === "navigate") {
    if (url.pathname.startsWith(URLS.scope)) {
      event.respondWith(fetch(request).catch(() => offlinePage(url)));
    }
    return;
  }
  if (ASSETS.includes(url.pathname)) {
    event.respondWith(freshAsset(request, url.pathname));
  }
});

async function offlinePage(url) {
  const cache = await caches.open(CACHE);
  let key = URLS.offline;
  if (url.pathname === URLS.check_in) {
    key = URLS.check_in_shell;
  } else if (url.pathname === URLS.journal_new) {
    key = URLS.journal_new_shell;
  } else if (url.pathname === URLS.crisis) {
    key = URLS.crisis;
  }
  const page = (await cache.match(key)) || (await cache.match(URLS.offline));
  if (page) {
    return page;
  }
  return new Response("You are offline.", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

// Styles, scripts and icons: from the network when it is there (and kept fresh), else the kept copy.
async function freshAsset(request, path) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (response.ok) {
      await cache.put(path, response.clone());
    }
    return response;
  } catch (error) {
    const kept = await cache.match(path);
    if (kept) {
      return kept;
    }
    throw error;
  }
}
