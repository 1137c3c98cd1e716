/* The offline page's service worker (scope /offline): keeps the page and its assets.
 *
 * Network first, so an online visitor always gets the current page; every good answer
 * is kept, and with no network the kept copy is served. The bundle itself is not kept
 * here: the page stores the last bundle it has checked. The page carries the keys it
 * trusts to sign bundles, so those too are renewed whenever it is fetched online.
 */
"use strict";

var CACHE = "shangpin-offline-v2";
var ASSETS = ["/offline", "/static/offline/offline.js", "/static/offline/offline.css",
  "/static/site.css"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("shangpin-offline-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function kept(request) {
  return caches.open(CACHE).then(function (cache) {
    // The page varies by language and cookie; offline, any kept copy beats none.
    return cache.match(request, { ignoreVary: true }).then(function (answer) {
      return answer || cache.match(request, { ignoreSearch: true, ignoreVary: true });
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  var page = url.pathname === "/offline";
  if (!page && url.pathname.indexOf("/static/") !== 0) return;
  event.respondWith(fetch(request).then(function (answer) {
    if (answer.ok) {
      var copy = answer.clone();
      caches.open(CACHE).then(function (cache) { return cache.put(request, copy); });
    }
    return answer;
  }).catch(function () {
    return kept(request).then(function (answer) {
      return answer || Response.error();
    });
  }));
});
