// The field app's service worker (scope /field/). The server writes VERSION, SHELL (the app
// shell's URLs) and TILE_PREFIX (the basemap's tiles) above this line.
//
// - The shell is stored when the worker installs, so the app opens with no network. Pages
//   under /field/ are fetched from the network first (a new version shows at once) and come
//   from the store when the network is off or too slow; the shell's scripts, styles and
//   libraries come from the store.
// - Basemap tiles come from their own store (filled by the app along its lines, and by any
//   tile the map draws online), so the offline map does not vanish when the shell updates.
// - Nothing else is touched: API calls go to the network as they are (the app keeps its own
//   queue in IndexedDB and never relies on a cached answer).
"use strict";

const SHELL_CACHE = "civgeo-field-shell-" + VERSION;
const TILE_CACHE = "civgeo-field-tiles";
const NAVIGATION_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(SHELL_CACHE)
    .then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys
      .filter((k) => k.startsWith("civgeo-field-shell-") && k !== SHELL_CACHE)
      .map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

function timeout(ms) {
  return new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms));
}

async function page(request) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await Promise.race([fetch(request), timeout(NAVIGATION_TIMEOUT_MS)]);
    if (response.ok && (response.headers.get("content-type") || "").includes("text/html")) {
      cache.put("/field/", response.clone());
    }
    return response;
  } catch (error) {
    const stored = await cache.match("/field/");
    if (stored) return stored;
    throw error;
  }
}

async function stored(request) {
  const hit = await caches.match(request, { ignoreVary: true });
  return hit || fetch(request);
}

// A tile from the store, else from the network (and stored); with no network, a tile that
// was never stored is drawn empty rather than failing (the map keeps the line and markers).
async function tile(request) {
  const cache = await caches.open(TILE_CACHE);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (response.ok) cache.put(request, response.clone());
    return response;
  } catch (error) {
    return new Response(null, { status: 204, headers: { "X-Civgeo-Offline": "not stored" } });
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && url.pathname.startsWith("/field/")
      && !url.pathname.startsWith("/field/pair/")) {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith(TILE_PREFIX)) {
    event.respondWith(tile(request));
  } else if (SHELL.includes(url.pathname + url.search) || SHELL.includes(url.pathname)) {
    event.respondWith(stored(request));
  }
});
