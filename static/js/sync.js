// KopEdu: sending the writes queued on the phone (see kopedu.js for the queue and its data-queue marks).
// Fetched by kopedu.js only when something waits on the phone, or when "Keluar" finds writes waiting.
// - a write goes only under its own user's session: /sinkron/sesi says who is logged in now and gives
//   the session's form token, sent in the X-CSRFToken header (a token stored with a write is never used);
// - in the order the writes were chosen; a write the server did not decide on (no answer, its error,
//   429 with Retry-After, a session gone, a stale token) stays queued and is sent again later;
// - other users' writes stay on the phone, and the page says whose and how many;
// - "Keluar" with writes waiting asks: wait until they are sent, log out keeping them, or delete them.
(function () {
  "use strict";
  var K = window.KopEdu, store = K.store, T = K.text(), userId = K.userId;
  var session = null, flushing = null, leaving = null;

  function fill(text, values) {
    return String(text || "").replace(/\{(\w+)\}/g, function (m, k) { return values[k] != null ? values[k] : m; });
  }

  // Who is logged in now, the session's token, and the texts about the queue.
  function askSession() {
    return fetch("/sinkron/sesi", {credentials: "same-origin", cache: "no-store"})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (s) session = s; return s; }, function () { return null; });
  }

  // The stored body, without any token (an earlier release stored the form's): the session's goes in the header.
  function body(entry) {
    var params = new URLSearchParams(entry.body);
    params["delete"]("csrf_token");
    if (!params.get("chosen_at")) params.set("chosen_at", String(entry.at));
    return params.toString();
  }

  function sendOne(entry, fresh) {
    return fetch(entry.url, {method: "POST", credentials: "same-origin", body: body(entry),
      headers: {"HX-Request": "true", "X-CSRFToken": session.csrf, "Content-Type": "application/x-www-form-urlencoded"}})
      .then(function (r) {
        // the token went stale (a new session meanwhile): ask again, once
        if (r.status === 400 && r.headers.get("KopEdu-CSRF") && !fresh) {
          return askSession().then(function (s) {
            return s && String(s.user) === String(entry.user) ? sendOne(entry, true) : r;
          });
        }
        return r;
      });
  }

  function flush() {
    if (flushing || !navigator.onLine) return flushing || Promise.resolve();
    flushing = store.all("queue").then(function (entries) {
      if (!entries.length) return;
      return askSession().then(function (s) {
        if (!s) { K.later(); return; } // no signal after all
        var page = userId();
        // the session is gone, or is someone else's: what the phone kept for the page's user goes
        if (page !== null && String(s.user || "") !== String(page || "")) K.forgetPhone(s.user ? String(s.user) : "");
        if (!s.user) return; // nobody logged in: everything waits for its owner
        var mine = entries.filter(function (e) { return String(e.user) === String(s.user); })
          .sort(function (a, b) { return a.at - b.at; });
        return mine.reduce(function (chain, entry) {
          return chain.then(function (go) {
            if (!go) return false;
            return sendOne(entry).then(function (response) {
              if (response.status === 429) { K.later(1000 * (Number(response.headers.get("Retry-After")) || 60)); return false; }
              if (response.headers.get("KopEdu-Write") === "other-user") return false; // kept for its owner
              if (response.status === 401 || response.status >= 500 ||
                  (response.status === 400 && response.headers.get("KopEdu-CSRF"))) { K.later(); return false; }
              return response.text().then(function (html) {
                return store.remove("queue", entry.id).then(function () {
                  applied(entry, response.ok, html, response.headers.get("KopEdu-Write"));
                  return true;
                });
              });
            }, function () { K.later(); return false; }); // no signal after all
          });
        }, Promise.resolve(true)).then(function (all) { if (all) K.delay.ms = 5000; });
      });
    })["catch"](function () {}).then(function () { flushing = null; notes(); K.banner(); loggingOut(); });
    return flushing;
  }

  function applied(entry, ok, html, verdict) {
    var host = String(entry.user) === String(userId()) ? K.controlOf(entry) : null;
    if (ok) {
      if (host && host.getAttribute("data-queue") === "lesson_done") {
        var target = document.getElementById("lesson-done");
        if (target) { htmx.swap(target, html, {swapStyle: "outerHTML"}); return; }
      }
      // a replay of a write applied before (its reply was lost) is saved too; an older choice than one
      // applied (another tab or phone) says so in the server's words
      if (host) K.show(K.ackFor(host.querySelector("input") || host), "saved", verdict === "superseded" ? K.plain(html) : T.saved);
      return;
    }
    var message = T.refused + " " + entry.label + " — " + (K.plain(html) || T.failed);
    if (host) K.show(K.ackFor(host.querySelector("input") || host), "error", message);
    var box = document.getElementById("sync-notes");
    if (box) {
      var p = document.createElement("p");
      p.className = "flash flash-warning";
      p.setAttribute("role", "alert");
      p.textContent = message;
      box.appendChild(p);
    }
  }

  // Writes of other users waiting on this phone, said in plain words (whose, how many).
  function notes() {
    var box = document.getElementById("sync-notes");
    if (!box || !session || !session.text) return Promise.resolve();
    return store.all("queue").then(function (entries) {
      var by = {};
      entries.forEach(function (e) {
        if (String(e.user) === String(session.user)) return;
        by[e.user] = by[e.user] || {n: 0, name: e.name || "?"};
        by[e.user].n += 1;
      });
      Array.prototype.forEach.call(box.querySelectorAll(".pending-others"), function (p) { p.remove(); });
      Object.keys(by).forEach(function (user) {
        var p = document.createElement("p");
        p.className = "flash pending-others";
        p.setAttribute("role", "status");
        p.textContent = fill(session.text.others, by[user]);
        box.appendChild(p);
      });
    })["catch"](function () {});
  }

  // "Tunggu sampai terkirim": logged out once nothing of this user waits any more.
  function loggingOut() {
    if (!leaving) return;
    store.all("queue").then(function (entries) {
      if (!entries.some(function (e) { return e.user === userId(); })) { var form = leaving; leaving = null; K.leave(form); }
    });
  }

  function warn(form, mine) {
    return askSession().then(function (s) {
      if (!s || !s.text) throw new Error("no signal");
      var text = s.text, box = document.getElementById("logout-warning") || document.createElement("section");
      box.id = "logout-warning";
      box.className = "card logout-warning";
      box.setAttribute("role", "alertdialog");
      box.setAttribute("aria-labelledby", "logout-warning-title");
      box.textContent = "";
      var h = document.createElement("h2"), p = document.createElement("p");
      h.id = "logout-warning-title";
      h.textContent = fill(text.title, {n: mine.length});
      p.textContent = text.text;
      box.appendChild(h);
      box.appendChild(p);
      [["wait", "primary"], ["keep", ""], ["delete", "link"]].forEach(function (choice) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = choice[1] + " wide";
        b.textContent = text[choice[0]];
        b.addEventListener("click", function () {
          if (choice[0] === "keep") return K.leave(form); // kept on the phone for next time
          if (choice[0] === "delete") { // the only way a waiting write is deleted
            return Promise.all(mine.map(function (e) { return store.remove("queue", e.id); })).then(function () { K.leave(form); });
          }
          leaving = form;
          box.textContent = text.waiting;
          flush();
        });
        box.appendChild(b);
      });
      document.getElementById("main").prepend(box);
      box.querySelector("button").focus();
    });
  }

  window.KopEduSync = {flush: flush, warn: warn};
})();
