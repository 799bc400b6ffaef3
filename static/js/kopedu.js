// KopEdu: only what htmx cannot do by itself.
// - every htmx write says "Menyimpan…", then "✓ Tersimpan", or a plain error with "Coba lagi";
// - writes that can wait ([data-queue]: "Tandai selesai", quiz answers) made offline or without an answer
//   are kept on the phone (IndexedDB) with a client id and sent when the signal returns;
// - the countdown of a timed quiz (the server keeps the deadline);
// - offline.js where it helps (below).
(function () {
  "use strict";
  var T = {};
  var WRITE = /^(post|put|patch|delete)$/i;

  // ------------------------------------------------------------------ IndexedDB
  var store = (function () {
    var opening = null;
    function open() {
      if (!opening) opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open("kopedu", 1);
        request.onupgradeneeded = function () {
          var db = request.result;
          db.createObjectStore("queue", {keyPath: "id"});   // writes waiting for a signal
          db.createObjectStore("modules", {keyPath: "id"}); // modules saved for offline reading
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { opening = null; reject(request.error); };
      });
      return opening;
    }
    function run(name, mode, work) {
      return open().then(function (db) {
        return new Promise(function (resolve, reject) {
          var tx = db.transaction(name, mode);
          var request = work(tx.objectStore(name));
          tx.oncomplete = function () { resolve(request ? request.result : undefined); };
          tx.onerror = tx.onabort = function () { reject(tx.error); };
        });
      });
    }
    return {
      all: function (name) { return run(name, "readonly", function (s) { return s.getAll(); }); },
      put: function (name, value) { return run(name, "readwrite", function (s) { s.put(value); }); },
      remove: function (name, key) { return run(name, "readwrite", function (s) { s["delete"](key); }); },
      clear: function (name) { return run(name, "readwrite", function (s) { s.clear(); }); },
      // Queue a write in one transaction: a later answer to the same question replaces the one waiting.
      enqueue: function (entry) {
        return run("queue", "readwrite", function (s) {
          var all = s.getAll();
          all.onsuccess = function () {
            all.result.forEach(function (e) { if (e.key && e.key === entry.key && e.user === entry.user) s["delete"](e.id); });
            s.put(entry);
          };
        });
      }
    };
  })();

  function userId() { return document.body.getAttribute("data-user") || ""; }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function newId() {
    var bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function plain(html) {
    var box = document.createElement("div");
    box.innerHTML = html;
    return (box.textContent || "").replace(/\s+/g, " ").trim();
  }

  // ------------------------------------------------------------------ acknowledgements
  function ackFor(elt) {
    var host = elt.closest("[data-ack]");
    if (host) return host.getAttribute("data-ack") === "none" ? null : document.querySelector(host.getAttribute("data-ack"));
    var form = elt.tagName === "FORM" ? elt : elt.closest("form");
    var ack = form ? form.querySelector(".ack") : elt.nextElementSibling;
    if (!ack || !ack.classList.contains("ack")) {
      ack = document.createElement("p");
      ack.className = "ack small";
      ack.setAttribute("role", "status");
      if (form) form.appendChild(ack); else elt.insertAdjacentElement("afterend", ack);
    }
    return ack;
  }

  function show(ack, state, message, retry) {
    if (!ack) return;
    ack.setAttribute("data-state", state);
    ack.setAttribute("aria-live", state === "error" ? "assertive" : "polite");
    ack.textContent = message;
    if (state === "error") ack.setAttribute("role", "alert"); else ack.setAttribute("role", "status");
    if (retry) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "retry";
      button.textContent = T.retry;
      button.addEventListener("click", retry);
      ack.appendChild(document.createTextNode(" "));
      ack.appendChild(button);
    }
  }

  var toastTimer = null;
  function toast(message) {
    var box = document.getElementById("ack-toast");
    if (!box) {
      box = document.createElement("p");
      box.id = "ack-toast";
      box.className = "ack-toast";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      document.body.appendChild(box);
    }
    box.textContent = message;
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 3000);
  }

  function buttonsOf(elt) {
    if (elt.tagName === "BUTTON") return [elt];
    return elt.tagName === "FORM" ? Array.prototype.slice.call(elt.querySelectorAll("button")) : [];
  }

  function retryOf(elt, eventType) {
    return function () {
      if (!document.body.contains(elt)) return;
      if (elt.tagName === "FORM") { if (elt.requestSubmit) elt.requestSubmit(); else htmx.trigger(elt, "submit"); }
      else htmx.trigger(elt, eventType === "keyup" ? "change" : (eventType || "click"));
    };
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (WRITE.test(detail.verb) && detail.elt.closest("[data-queue]")) detail.parameters.client_id = newId();
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var detail = event.detail, config = detail.requestConfig;
    if (!config || !WRITE.test(config.verb)) return;
    var elt = detail.elt, queueHost = elt.closest("[data-queue]"), ack = ackFor(elt);
    if (!ack) return; // not a save (a Markdown preview)
    var info = {ack: ack, retry: retryOf(elt, config.triggeringEvent && config.triggeringEvent.type)};
    if (queueHost) info.entry = entryOf(config, queueHost);
    elt.kopedu = info;
    if (!navigator.onLine) {
      event.preventDefault();
      show(info.ack, "saving", T.saving);
      if (info.entry) queue(info.entry, info.ack);
      else show(info.ack, "error", T.noSignal, info.retry);
      return;
    }
    show(info.ack, "saving", T.saving);
    // kept on the phone until the server answers: a page left meanwhile (which cancels the request)
    // loses nothing, the next page sends it (the client id makes a second arrival a no-op)
    if (info.entry) info.stored = store.enqueue(info.entry)["catch"](function () {});
    info.buttons = buttonsOf(elt).filter(function (b) { return !b.disabled; });
    info.buttons.forEach(function (b) { b.disabled = true; });
  });

  // A server error or a time-out leaves the page as it was (the answers stay), with the message.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig;
    if (config && WRITE.test(config.verb) && event.detail.xhr.status >= 500) event.detail.shouldSwap = false;
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail, info = detail.elt.kopedu;
    if (!info || !detail.requestConfig || !WRITE.test(detail.requestConfig.verb)) return;
    (info.buttons || []).forEach(function (b) { b.disabled = false; });
    var status = detail.xhr ? detail.xhr.status : 0;
    if (status !== 0) answered(info); // the server has decided
    if (detail.successful && status < 300) {
      if (document.body.contains(info.ack)) {
        if (info.ack.getAttribute("data-state") === "saving") show(info.ack, "saved", T.saved);
      } else if (!detail.xhr.getResponseHeader("HX-Redirect")) {
        toast(T.saved); // the form was swapped for the server's answer
      }
      var drop = detail.elt.getAttribute && detail.elt.getAttribute("data-queue-drop");
      if (drop) dropQueued(drop); // the submitted form carried every answer
    } else if (status === 0) {
      // htmx tells whether it timed out only after this event
      setTimeout(function () {
        if (info.timedOut) { answered(info); show(info.ack, "error", T.timeout, info.retry); }
        else if (info.entry) queue(info.entry, info.ack); // no answer at all: kept for later
        else show(info.ack, "error", T.noSignal, info.retry);
        info.timedOut = false;
      }, 0);
    } else if (status >= 500) {
      show(info.ack, "error", T.failed, info.retry);
    } else if (status === 422 || !document.body.contains(info.ack)) {
      // a form with its errors marked, or the server's message in the place of the form
    } else if (info.ack.getAttribute("data-state") === "saving") {
      // refused (4xx): the server's message was swapped in; where it went elsewhere, say it here too
      show(info.ack, "error", plain(detail.xhr.responseText) || T.failed);
    }
  });
  document.addEventListener("htmx:timeout", function (event) {
    if (event.detail.elt.kopedu) event.detail.elt.kopedu.timedOut = true;
  });

  // ------------------------------------------------------------------ the queue
  function answered(info) {
    if (info.stored) info.stored.then(function () { return store.remove("queue", info.entry.id); })["catch"](function () {});
    info.stored = null;
  }

  function entryOf(config, host) {
    var body = new URLSearchParams();
    Array.prototype.forEach.call(Array.from(config.parameters.entries()), function (pair) {
      body.append(pair[0], pair[1]);
    });
    return {id: body.get("client_id"), user: userId(), url: config.path, body: body.toString(),
            token: config.headers["X-CSRFToken"] || csrfToken(), key: host.getAttribute("data-queue-key"),
            label: host.getAttribute("data-queue-label") || document.title, at: Date.now()};
  }

  function queue(entry, ack) {
    return store.enqueue(entry).then(function () {
      show(ack, "waiting", T.waiting); // said once it is stored, not before
      banner();
      if (navigator.serviceWorker && navigator.serviceWorker.controller && window.SyncManager) {
        navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register("kopedu-queue"); })
          .catch(function () {});
      }
    }).catch(function () { show(ack, "error", T.failed, null); });
  }

  function dropQueued(url) {
    return store.all("queue").then(function (entries) {
      return Promise.all(entries.filter(function (e) { return e.url === url; })
        .map(function (e) { return store.remove("queue", e.id); }));
    }).then(markQueued);
  }

  function freshToken() {
    return fetch("/offline", {credentials: "same-origin", cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (html) { var m = /"X-CSRFToken": "([^"]+)"/.exec(html); return m ? m[1] : null; })
      .catch(function () { return null; });
  }

  // Send one entry: with its own token, else the page's, else a fresh one (a new session after a login).
  function sendOne(entry) {
    var tokens = [entry.token];
    function attempt(token) {
      tokens.push(token);
      return fetch(entry.url, {method: "POST", credentials: "same-origin", body: entry.body,
        headers: {"HX-Request": "true", "X-CSRFToken": token, "Content-Type": "application/x-www-form-urlencoded"}});
    }
    return attempt(entry.token).then(function (r) {
      if (r.status !== 400 || tokens.indexOf(csrfToken()) >= 0) return r;
      return attempt(csrfToken());
    }).then(function (r) {
      if (r.status !== 400) return r;
      return freshToken().then(function (token) { return token && tokens.indexOf(token) < 0 ? attempt(token) : r; });
    });
  }

  var flushing = null;
  function flush() {
    if (flushing || !navigator.onLine || !userId()) return flushing;
    flushing = store.all("queue").then(function (entries) {
      entries = entries.filter(function (e) { return e.user === userId(); })
        .sort(function (a, b) { return a.at - b.at; });
      return entries.reduce(function (chain, entry) {
        return chain.then(function (go) {
          if (!go) return false;
          return sendOne(entry).then(function (response) {
            if (response.status === 401 || response.status >= 500) return false; // later
            return response.text().then(function (html) {
              // a 400 without the server's message for this write (an expired form session): kept
              if (response.status === 400 && html.indexOf('class="error"') < 0) return true;
              return store.remove("queue", entry.id).then(function () {
                applied(entry, response.ok, html);
                return true;
              });
            });
          }, function () { return false; }); // no signal after all
        });
      }, Promise.resolve(true));
    }).catch(function () {}).then(function () { flushing = null; banner(); });
    return flushing;
  }

  function controlOf(entry) {
    var hosts = document.querySelectorAll("[data-queue-key]");
    for (var i = 0; i < hosts.length; i++) if (hosts[i].getAttribute("data-queue-key") === entry.key) return hosts[i];
    return null;
  }

  function applied(entry, ok, html) {
    var host = controlOf(entry);
    if (ok) {
      if (host && host.getAttribute("data-queue") === "lesson_done") {
        var target = document.getElementById("lesson-done");
        if (target) { htmx.swap(target, html, {swapStyle: "outerHTML"}); return; }
      }
      if (host) show(ackFor(host.querySelector("input") || host), "saved", T.sent);
      return;
    }
    var message = T.refused + " " + entry.label + " — " + (plain(html) || T.failed);
    if (host) show(ackFor(host.querySelector("input") || host), "error", message);
    var notes = document.getElementById("sync-notes");
    if (notes) {
      var p = document.createElement("p");
      p.className = "flash flash-warning";
      p.setAttribute("role", "alert");
      p.textContent = message;
      notes.appendChild(p);
    }
  }

  // A page opened again (from the network or a saved copy) shows what still waits for a signal.
  function markQueued() {
    return store.all("queue").then(function (entries) {
      entries.forEach(function (entry) {
        if (entry.user !== userId()) return;
        var host = controlOf(entry);
        if (!host) return;
        if (host.tagName === "FIELDSET") restoreAnswer(host, new URLSearchParams(entry.body));
        show(ackFor(host.querySelector("input") || host), "waiting", T.waiting);
      });
      banner(entries.length);
    }).catch(function () {});
  }

  function restoreAnswer(fieldset, body) {
    Array.prototype.forEach.call(fieldset.querySelectorAll("input[name]"), function (input) {
      var values = body.getAll(input.name);
      if (input.type === "radio" || input.type === "checkbox") input.checked = values.indexOf(input.value) >= 0;
      else if (input.type === "text") input.value = values[0] || "";
    });
  }

  // ------------------------------------------------------------------ offline state
  function banner() {
    var box = document.getElementById("offline-banner");
    if (box) box.hidden = navigator.onLine;
    Array.prototype.forEach.call(document.querySelectorAll("form[data-needs-signal]"), function (form) {
      var button = form.querySelector("button[type=submit]"), note = form.querySelector(".needs-signal");
      if (!button) return;
      button.disabled = !navigator.onLine;
      if (!note) {
        note = document.createElement("p");
        note.className = "needs-signal flash flash-warning";
        note.setAttribute("role", "status");
        note.textContent = T.needsSignal;
        button.insertAdjacentElement("beforebegin", note);
      }
      note.hidden = navigator.onLine;
    });
  }

  window.addEventListener("online", function () { banner(); flush(); });

  // Logging out removes the saved pages (a phone may be shared); writes still waiting stay, kept for
  // their own account (each carries its user, and only that user's pages send it).
  document.addEventListener("submit", function (event) {
    if (!event.target.hasAttribute("data-logout")) return;
    if (window.caches) caches["delete"]("kopedu-pages");
    store.clear("modules")["catch"](function () {});
  });
  window.addEventListener("offline", banner);

  // ------------------------------------------------------------------ start
  // offline.js (saving modules, the worker) is fetched only where it helps: on the course page, the
  // offline page, and once the service worker runs (for the outline's "Offline" marks).
  var offlineLoaded = false;
  function loadOffline() {
    var src = document.body.getAttribute("data-offline-js");
    if (offlineLoaded || !src) return;
    var wanted = document.querySelector("[data-offline], #offline-list") ||
      (navigator.serviceWorker && navigator.serviceWorker.controller);
    if (!wanted) return;
    offlineLoaded = true;
    var script = document.createElement("script");
    script.src = src;
    document.head.appendChild(script);
  }

  // upload.js (photos made small, resumable uploads) only on pages with an input[data-upload]
  function loadUpload() {
    var src = document.body.getAttribute("data-upload-js");
    if (!src || !document.querySelector("input[data-upload]")) return;
    if (window.KopEduUpload) { window.KopEduUpload.ready(); return; }
    if (document.querySelector("script[data-upload-js]")) return;
    var script = document.createElement("script");
    script.src = src;
    script.setAttribute("data-upload-js", "");
    document.head.appendChild(script);
  }

  function pageReady() {
    banner();
    loadUpload();
    markQueued();
    flush();
    if (window.KopEduOffline) window.KopEduOffline.ready(); else loadOffline();
  }

  document.addEventListener("DOMContentLoaded", function () {
    try { T = JSON.parse(document.body.getAttribute("data-text")); } catch (e) { T = {}; }
    // Move focus to the first field with an error after a 422 form swap, for screen readers and small screens.
    document.addEventListener("htmx:afterSwap", function (event) {
      var invalid = event.detail.target.querySelector("[aria-invalid=true]");
      if (invalid) invalid.focus();
    });
    document.addEventListener("htmx:afterSettle", function (event) {
      if (event.detail.target === document.body) pageReady(); // a boosted page
    });
    pageReady();
  });
  window.KopEdu = {store: store, flush: flush, userId: userId, text: function () { return T; }};
})();

// The quiz countdown. The server keeps the deadline and refuses late answers;
// this only shows the time left and sends the form when it runs out.
(function () {
  function start(root) {
    var timers = root.querySelectorAll ? root.querySelectorAll("[data-seconds-left]") : [];
    Array.prototype.forEach.call(timers, function (el) {
      if (el.getAttribute("data-ticking")) return;
      el.setAttribute("data-ticking", "1");
      var end = Date.now() + parseInt(el.getAttribute("data-seconds-left"), 10) * 1000;
      var out = el.querySelector("strong");
      var form = document.getElementById(el.getAttribute("data-form"));
      (function tick() {
        if (!document.body.contains(el)) return;
        var left = Math.max(0, Math.round((end - Date.now()) / 1000));
        out.textContent = Math.floor(left / 60) + ":" + ("0" + (left % 60)).slice(-2);
        if (left > 0) { setTimeout(tick, 1000); return; }
        if (form && !form.getAttribute("data-sent")) {
          form.setAttribute("data-sent", "1");
          if (form.requestSubmit) form.requestSubmit(); else form.submit();
        }
      })();
    });
  }
  document.addEventListener("DOMContentLoaded", function () { start(document); });
  document.addEventListener("htmx:load", function (event) { start(event.detail.elt); });
})();
