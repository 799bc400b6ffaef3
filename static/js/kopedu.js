// KopEdu: only what htmx cannot do by itself.
// - every htmx write says "Menyimpan…", then "✓ Tersimpan", or a plain error with "Coba lagi";
// - the queue (README "Offline and weak signal"): an htmx write inside an element marked
//   data-queue="<kind>" data-queue-key="<target>" data-queue-label="<name>" made offline or without an
//   answer is kept on the phone (IndexedDB) with client_id, chosen_at and its user, and sent by sync.js
//   in that user's session only, with the session's token;
// - one user's things on a shared phone (saved pages, module list, htmx snapshots) go when another
//   user's page shows, at logout and when the session is gone; "Keluar" with writes waiting asks first;
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

  // "" on a page of nobody (the login page), null on the offline page (kept for whoever comes next)
  function userId() { return document.body.getAttribute("data-user"); }
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
    if (WRITE.test(detail.verb) && detail.elt.closest("[data-queue]")) {
      detail.parameters.client_id = newId();
      detail.parameters.chosen_at = String(Date.now());
      detail.parameters.for_user = userId() || "";
    }
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var detail = event.detail, config = detail.requestConfig;
    if (!config || !WRITE.test(config.verb)) return;
    var elt = detail.elt, queueHost = elt.closest("[data-queue]"), ack = ackFor(elt);
    if (!ack) return; // not a save (a Markdown preview)
    var info = {ack: ack, retry: retryOf(elt, config.triggeringEvent && config.triggeringEvent.type)};
    if (queueHost && userId()) info.entry = entryOf(config, queueHost);
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

  // A server error, a time-out or a stale form token leaves the page as it was (the answers stay).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var config = event.detail.requestConfig, xhr = event.detail.xhr;
    if (!config || !WRITE.test(config.verb)) return;
    if (xhr.status >= 500 || xhr.status === 429 || (xhr.status === 400 && xhr.getResponseHeader("KopEdu-CSRF")) ||
        xhr.getResponseHeader("KopEdu-Write") === "other-user") {
      event.detail.shouldSwap = false;
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var detail = event.detail, info = detail.elt.kopedu;
    if (!info || !detail.requestConfig || !WRITE.test(detail.requestConfig.verb)) return;
    (info.buttons || []).forEach(function (b) { b.disabled = false; });
    var xhr = detail.xhr, status = xhr ? xhr.status : 0;
    // the server did not decide (no answer, 5xx, 429, stale token, no session): a queued write stays
    var undecided = status === 0 || status >= 500 || status === 429 || status === 401 ||
      (status === 400 && xhr.getResponseHeader("KopEdu-CSRF")) || xhr.getResponseHeader("KopEdu-Write") === "other-user";
    if (!undecided || !info.entry) answered(info);
    if (detail.successful && status < 300) {
      if (document.body.contains(info.ack)) {
        // a newer choice stands (another tab or phone): the server's words were swapped in, they stay
        if (xhr.getResponseHeader("KopEdu-Write") === "superseded") info.ack.setAttribute("data-state", "saved");
        else if (info.ack.getAttribute("data-state") === "saving") show(info.ack, "saved", T.saved);
      } else if (!xhr.getResponseHeader("HX-Redirect")) {
        toast(T.saved); // the form was swapped for the server's answer
      }
      var drop = detail.elt.getAttribute && detail.elt.getAttribute("data-queue-drop");
      if (drop) dropQueued(drop); // the submitted form carried every answer
    } else if (status === 0) {
      // htmx tells whether it timed out only after this event
      setTimeout(function () {
        if (info.timedOut) {
          show(info.ack, "error", T.timeout, info.retry);
          if (info.entry) later(); // the request may still arrive: the replay is then a no-op
        } else if (info.entry) queue(info.entry, info.ack); // no answer at all: kept for later
        else show(info.ack, "error", T.noSignal, info.retry);
        info.timedOut = false;
      }, 0);
    } else if (info.entry && undecided && status !== 401 && status < 500) {
      queue(info.entry, info.ack); // a flood (429) or a stale token: sent again by flush, with a fresh one
    } else if (status >= 500) {
      show(info.ack, "error", T.failed, info.retry);
    } else if (status === 422 || !document.body.contains(info.ack)) {
      // a form with its errors marked, or the server's message in the place of the form
    } else if (info.ack.getAttribute("data-state") === "saving") {
      // refused (4xx): the server's message was swapped in; where it went elsewhere, say it here too
      show(info.ack, "error", plain(xhr.responseText) || T.failed);
    }
    if (status === 401) forgetPhone(""); // the session is gone (the login page follows)
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
      if (pair[0] !== "csrf_token") body.append(pair[0], pair[1]); // the session's token is added when sent
    });
    return {id: body.get("client_id"), user: userId(), name: document.body.getAttribute("data-user-name") || "",
            url: config.path, body: body.toString(), key: host.getAttribute("data-queue-key"),
            kind: host.getAttribute("data-queue"), label: host.getAttribute("data-queue-label") || document.title,
            at: Number(body.get("chosen_at")) || Date.now()};
  }

  function queue(entry, ack) {
    return store.enqueue(entry).then(function () {
      show(ack, "waiting", T.waiting); // said once it is stored, not before
      banner();
      offlineNext();
      later();
      if (navigator.serviceWorker && navigator.serviceWorker.controller && window.SyncManager) {
        navigator.serviceWorker.ready.then(function (reg) { return reg.sync.register("kopedu-queue"); })
          .catch(function () {});
      }
    }).catch(function () { show(ack, "error", T.failed, null); });
  }

  function dropQueued(url) {
    return store.all("queue").then(function (entries) {
      return Promise.all(entries.filter(function (e) { return e.url === url && e.user === userId(); })
        .map(function (e) { return store.remove("queue", e.id); }));
    }).then(markQueued);
  }

  // sync.js (sending, notes, the logout question) is fetched only when something waits on the phone
  var syncing = null;
  function withSync() {
    if (!syncing) syncing = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = document.body.getAttribute("data-sync-js");
      script.onload = function () { resolve(window.KopEduSync); };
      script.onerror = function () { syncing = null; reject(); };
      document.head.appendChild(script);
    });
    return syncing;
  }
  function flush() {
    if (!navigator.onLine) return Promise.resolve();
    return store.all("queue").then(function (entries) {
      if (entries.length || window.KopEduSync) return withSync().then(function (sync) { return sync.flush(); });
    })["catch"](function () {});
  }
  // A retry while online (no answer, a flood): after 5 s, then longer, at most a minute.
  var laterTimer = null, delay = {ms: 5000};
  function later(ms) {
    clearTimeout(laterTimer);
    laterTimer = setTimeout(function () { laterTimer = null; flush(); }, ms || delay.ms);
    delay.ms = Math.min(delay.ms * 2, 60000);
  }

  function controlOf(entry) {
    var hosts = document.querySelectorAll("[data-queue-key]");
    for (var i = 0; i < hosts.length; i++) if (hosts[i].getAttribute("data-queue-key") === entry.key) return hosts[i];
    return null;
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
      offlineNext();
    }).catch(function () {});
  }

  function restoreAnswer(fieldset, body) {
    Array.prototype.forEach.call(fieldset.querySelectorAll("input[name], textarea[name]"), function (input) {
      var values = body.getAll(input.name);
      if (!body.has(input.name) && input.type !== "radio" && input.type !== "checkbox") return; // not in this write
      if (input.type === "radio" || input.type === "checkbox") input.checked = values.indexOf(input.value) >= 0;
      else if (input.type === "text" || input.type === "textarea") input.value = values[0] || "";
    });
  }

  // Offline, "Berikutnya" follows the saved copy once this lesson's "Tandai selesai" waits on the phone.
  function offlineNext() {
    var next = document.querySelector("#lesson-pager [data-next]"), done = document.querySelector("#lesson-done [data-state=waiting]");
    if (!next || !done) return;
    var link = document.createElement("a");
    link.className = "button primary";
    link.href = next.getAttribute("data-next");
    link.textContent = next.textContent.trim() + " ›";
    next.replaceWith(link);
  }

  // ------------------------------------------------------------------ one phone, several people
  // Removes what the phone keeps for anyone but `user` (queued writes stay).
  function forgetPhone(user) {
    var owner = localStorage.getItem("kopedu-user");
    try { sessionStorage.removeItem("htmx-history-cache"); localStorage.removeItem("htmx-history-cache"); } catch (e) {}
    if (user) localStorage.setItem("kopedu-user", user); else localStorage.removeItem("kopedu-user");
    return store.all("modules").then(function (modules) {
      var others = modules.filter(function (m) { return !user || String(m.user) !== user; });
      return Promise.all(others.map(function (m) { return store.remove("modules", m.id); })).then(function () {
        if (window.caches && (others.length || (owner && owner !== user))) return caches["delete"]("kopedu-pages");
      });
    })["catch"](function () {});
  }

  function ownPhone() {
    var user = userId();
    if (user === null) return; // the offline page: nobody's
    if (user !== localStorage.getItem("kopedu-user") || !user) forgetPhone(user);
  }

  function leave(form) {
    form.setAttribute("data-confirmed", "1");
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-logout")) return;
    if (form.getAttribute("data-confirmed")) { forgetPhone(""); return; }
    event.preventDefault();
    event.stopPropagation(); // before htmx's boosted form sees it
    store.all("queue").then(function (entries) {
      var mine = entries.filter(function (e) { return e.user === userId(); });
      if (!mine.length) return leave(form);
      return withSync().then(function (sync) { return sync.warn(form, mine); })["catch"](function () {
        show(ackFor(form), "error", T.noSignal); // logging out needs the server anyway
      });
    }, function () { leave(form); });
  }, true);

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

  window.addEventListener("online", function () { banner(); delay.ms = 5000; flush(); });
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

  // Page scripts: an element with data-js="<script URL>" loads that script once; on every later page
  // the script hears "kopedu:page" (listen.js reads lessons aloud, recorder.js records narrations, upload.js
  // makes photos small and sends files resumably).
  function loadPageScripts() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-js]"), function (el) {
      var src = el.getAttribute("data-js");
      if (document.querySelector('script[src="' + src + '"]')) return;
      var script = document.createElement("script");
      script.src = src;
      document.head.appendChild(script);
    });
    document.dispatchEvent(new CustomEvent("kopedu:page"));
  }

  function pageReady() {
    ownPhone();
    loadPageScripts();
    banner();
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
  window.KopEdu = {store: store, flush: flush, userId: userId, text: function () { return T; }, show: show,
                   ackFor: ackFor, plain: plain, controlOf: controlOf, forgetPhone: forgetPhone, banner: banner,
                   later: later, delay: delay, leave: leave};
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
