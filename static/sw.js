/* KopEdu service worker (hand-written, no library). Served at /sw.js by the app, which fills in the
   release's version and the app shell's URLs.
   - install: the app shell (CSS, JS, logo, the offline page) into "kopedu-shell-<version>";
   - activate: older shell caches are deleted; pages saved for offline reading ("kopedu-pages") are kept
     and fetched again in the background, so that they match the new release;
   - pages (navigations and htmx-boosted links): the network first; when it fails, the saved copy, else
     the offline page. A saved page that loads from the network is refreshed in the cache;
   - static files: from the shell cache (their URLs carry a content hash), else the network;
   - Background Sync "kopedu-queue": asks the open pages to send the writes queued on the phone.
   Saved pages belong to one user: "kopedu-pages" holds "/__owner" (the user id, written by offline.js),
   and a saved page is refreshed only with a copy served for that user (the KopEdu-User header); the
   page's script removes the cache when another user logs in, at logout and when the session is gone.
   The offline page in the shell is nobody's (no user id, menu or token). */
var VERSION = "__VERSION__";
var SHELL = ["__SHELL__"];
var SHELL_CACHE = "kopedu-shell-" + VERSION;
var PAGES_CACHE = "kopedu-pages";
var OFFLINE_URL = SHELL[SHELL.length - 1];
var SLOW_MS = 8000; // with a saved copy at hand, a page waits this long for the network
var OWNER = "/__owner";

// Put a fresh copy of a saved page, if it was served for the user the saved pages belong to.
function keep(cache, key, response) {
  return cache.match(OWNER).then(function (owner) { return owner ? owner.text() : null; }).then(function (user) {
    if (user && response.headers.get("KopEdu-User") === user) return cache.put(key, response);
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    // the static URLs carry a content hash: what the browser cached already is the right version
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (key) {
      return key.indexOf("kopedu-shell-") === 0 && key !== SHELL_CACHE;
    }).map(function (key) { return caches.delete(key); }));
  }).then(function () { return self.clients.claim(); }).then(function () {
    refreshSaved(); // not awaited: a slow link must not hold the new release back
  }));
});

function refreshSaved() {
  return caches.open(PAGES_CACHE).then(function (cache) {
    return cache.keys().then(function (requests) {
      return requests.reduce(function (chain, request) {
        return chain.then(function () {
          var url = new URL(request.url);
          var fetchUrl = url.pathname.indexOf("/pelajaran/") > 0 ? url.pathname + "?simpan=1" : url.pathname;
          if (url.pathname === OWNER) return;
          return fetch(fetchUrl, {credentials: "same-origin"}).then(function (response) {
            if (response.ok && !response.redirected) return keep(cache, request, response);
          }).catch(function () {});
        });
      }, Promise.resolve());
    });
  });
}

function isPage(request) {
  return request.mode === "navigate" || request.headers.get("HX-Boosted") === "true";
}

function fromCaches(request) {
  return caches.match(request, {ignoreVary: true}).then(function (hit) {
    if (hit || new URL(request.url).pathname.indexOf("/static/") !== 0) return hit;
    // a page saved under an earlier release names the earlier file versions: the current one will do
    return caches.open(SHELL_CACHE).then(function (cache) {
      return cache.match(request, {ignoreSearch: true, ignoreVary: true});
    });
  });
}

function networkFirst(event) {
  var request = event.request;
  var page = isPage(request);
  return fromCaches(request).then(function (saved) {
    var network = fetch(request).then(function (response) {
      if (saved && page && response.ok && !response.redirected && (response.headers.get("Content-Type") || "").indexOf("text/html") === 0) {
        var copy = response.clone();
        event.waitUntil(caches.open(PAGES_CACHE).then(function (cache) {
          return cache.match(request, {ignoreVary: true}).then(function (inPages) {
            if (inPages) return keep(cache, new URL(request.url).pathname, copy);
          });
        }));
      }
      return response;
    });
    var fallback = function () {
      if (saved) return saved;
      if (page) return caches.match(OFFLINE_URL, {ignoreVary: true});
      return Response.error();
    };
    if (!saved) return network.catch(fallback);
    var timer = new Promise(function (resolve) { setTimeout(resolve, SLOW_MS); }).then(fallback);
    return Promise.race([network.catch(fallback), timer]);
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return; // writes go to the network; the page queues them when offline
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname === "/sw.js") return;
  if (request.headers.get("HX-Request") === "true" && !isPage(request)) return; // fragments: network only
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fromCaches(request).then(function (hit) { return hit || fetch(request); }));
    return;
  }
  event.respondWith(networkFirst(event));
});

self.addEventListener("sync", function (event) {
  if (event.tag !== "kopedu-queue") return;
  event.waitUntil(self.clients.matchAll({type: "window"}).then(function (clients) {
    clients.forEach(function (client) { client.postMessage({type: "kopedu-flush"}); });
  }));
});
