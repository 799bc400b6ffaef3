// KopEdu offline reading: "Simpan untuk dibaca offline" (the module's pages and files into Cache Storage,
// listed in IndexedDB), the "Offline" marks of the outline, the offline page's list, and the service
// worker's registration. Loaded by kopedu.js where it helps.
// What is saved belongs to one user: each module records its user, and the pages' cache its owner
// ("/__owner", read by the service worker); kopedu.js removes them when another user's page is shown.
(function () {
  "use strict";
  var store = window.KopEdu.store, T = window.KopEdu.text();
  var PAGES = "kopedu-pages", OWNER = "/__owner";
  // the offline page is nobody's: it shows what the phone's last user saved
  function userId() { var u = window.KopEdu.userId(); return u === null ? localStorage.getItem("kopedu-user") || "" : u; }
  function mine(modules) { return modules.filter(function (m) { return String(m.user) === userId(); }); }

  function kb(bytes) { return Math.max(1, Math.round(bytes / 1024)) + " KB"; }

  function cacheUrl(cache, url, fetchUrl) {
    return fetch(fetchUrl || url, {credentials: "same-origin"}).then(function (response) {
      if (!response.ok || response.redirected) throw new Error(url);
      return response.clone().blob().then(function (blob) {
        return cache.put(url, response).then(function () { return {size: blob.size, type: blob.type, blob: blob}; });
      });
    });
  }

  function saveModule(box) {
    var data = JSON.parse(box.getAttribute("data-offline"));
    var state = box.querySelector("[data-offline-state]");
    state.textContent = T.downloading;
    box.querySelector("[data-offline-save]").disabled = true;
    var total = 0, images = {};
    caches.open(PAGES).then(function (cache) {
      var chain = cache.put(OWNER, new Response(userId()));
      data.pages.forEach(function (page) {
        chain = chain.then(function () {
          return cacheUrl(cache, page[0], page[0] + (page[0].indexOf("/pelajaran/") > 0 ? "?simpan=1" : ""))
            .then(function (got) {
              total += got.size;
              return got.blob.text().then(function (html) {
                var re = /<img[^>]+src="(\/media\/[^"]+)"/g, m;
                while ((m = re.exec(html))) images[m[1]] = true;
              });
            });
        });
      });
      return chain.then(function () {
        var files = data.files.concat(Object.keys(images).filter(function (u) { return data.files.indexOf(u) < 0; }));
        return files.reduce(function (c, url) {
          return c.then(function () { return cacheUrl(cache, url).then(function (got) { total += got.size; }); });
        }, Promise.resolve()).then(function () { data.files = files; });
      });
    }).then(function () {
      data.bytes = total;
      data.savedAt = Date.now();
      data.user = userId();
      return store.put("modules", data);
    }).then(function () { markSaved(); }, function () {
      state.textContent = T.saveFailed;
      box.querySelector("[data-offline-save]").disabled = false;
    });
  }

  function removeModule(id) {
    return store.all("modules").then(function (modules) {
      var module = modules.filter(function (m) { return m.id === id; })[0];
      var keep = {};
      modules.forEach(function (m) {
        if (m.id !== id) m.pages.concat(m.files).forEach(function (entry) { keep[typeof entry === "string" ? entry : entry[0]] = true; });
      });
      return caches.open(PAGES).then(function (cache) {
        var urls = module ? module.pages.map(function (p) { return p[0]; }).concat(module.files) : [];
        return Promise.all(urls.filter(function (u) { return !keep[u]; }).map(function (u) { return cache["delete"](u); }));
      }).then(function () { return store.remove("modules", id); }).then(function () {
        if (modules.length < 2) return caches["delete"](PAGES); // nothing saved any more: its owner neither
      });
    }).then(markSaved);
  }

  // The course page's buttons and every outline: what is saved on this phone.
  function markSaved() {
    if (!window.caches) return Promise.resolve();
    return store.all("modules").then(function (modules) {
      modules = mine(modules);
      // pages saved by an earlier release carry no owner: they are this user's (another's would be gone)
      if (modules.length && window.KopEdu.userId()) {
        caches.open(PAGES).then(function (c) {
          return c.match(OWNER).then(function (hit) { return hit || c.put(OWNER, new Response(userId())); });
        })["catch"](function () {});
      }
      var saved = {}, byId = {};
      modules.forEach(function (m) { byId[m.id] = m; m.pages.forEach(function (p) { saved[p[0]] = true; }); });
      Array.prototype.forEach.call(document.querySelectorAll("[data-offline]"), function (box) {
        var data = JSON.parse(box.getAttribute("data-offline")), module = byId[data.id];
        box.hidden = false;
        box.querySelector("[data-offline-save]").hidden = !!module;
        box.querySelector("[data-offline-save]").disabled = false;
        box.querySelector("[data-offline-remove]").hidden = !module;
        box.querySelector("[data-offline-state]").textContent = module ? T.available + " (" + kb(module.bytes) + ")" : "";
      });
      Array.prototype.forEach.call(document.querySelectorAll(".outline-item a[href]"), function (link) {
        var badge = link.parentNode.querySelector(".badge-offline");
        if (saved[link.getAttribute("href")] && !badge) {
          badge = document.createElement("span");
          badge.className = "badge badge-offline";
          badge.textContent = T.offlineBadge;
          link.insertAdjacentElement("afterend", badge);
        } else if (!saved[link.getAttribute("href")] && badge) {
          badge.remove();
        }
      });
      var list = document.getElementById("offline-list");
      if (list) listSaved(list, modules);
    }).catch(function () {});
  }

  function listSaved(list, modules) {
    list.textContent = "";
    modules.forEach(function (m) {
      var item = document.createElement("li"), heading = document.createElement("strong"), pages = document.createElement("ul");
      heading.textContent = m.course + " · " + m.title;
      item.appendChild(heading);
      m.pages.forEach(function (p) {
        var li = document.createElement("li"), a = document.createElement("a");
        a.href = p[0];
        a.textContent = p[1];
        li.appendChild(a);
        pages.appendChild(li);
      });
      item.appendChild(pages);
      list.appendChild(item);
    });
    var empty = document.getElementById("offline-empty");
    if (empty) empty.hidden = modules.length > 0;
  }

  document.addEventListener("click", function (event) {
    var save = event.target.closest("[data-offline-save]"), remove = event.target.closest("[data-offline-remove]");
    if (save) saveModule(save.closest("[data-offline]"));
    if (remove) removeModule(JSON.parse(remove.closest("[data-offline]").getAttribute("data-offline")).id);
  });

  // The app becomes installable (manifest) where it also works offline (service worker).
  function ready() {
    var worker = document.body.getAttribute("data-sw"), manifest = document.body.getAttribute("data-manifest");
    if (worker && navigator.serviceWorker) navigator.serviceWorker.register(worker, {scope: "/"}).catch(function () {});
    if (manifest && !document.querySelector("link[rel=manifest]")) {
      var link = document.createElement("link");
      link.rel = "manifest";
      link.href = manifest;
      document.head.appendChild(link);
    }
    markSaved();
  }
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "kopedu-flush") window.KopEdu.flush();
    });
  }
  window.KopEduOffline = {ready: ready};
  ready();
})();
