// KopEdu resumable uploads (loaded by kopedu.js only on pages with an input[data-upload]).
// - a photo is made small on the phone first: long side at most 1600 px, JPEG, about 300 KB;
// - the file goes in chunks, each at the offset the server holds (PATCH /unggah/<id>, Upload-Offset):
//   a dropped connection costs one chunk, and the upload goes on from the server's offset;
// - no time-out: a slow link is slow, not an error; the percentage shows it moving;
// - kept on the phone (IndexedDB "kopedu-uploads") until the form that uses it is sent: an upload
//   started offline, or cut by a closed page, waits and goes on when the signal returns.
(function () {
  "use strict";
  var LONG_SIDE = 1600, TARGET = 300 * 1024, jobs = {}, started = false;

  // ------------------------------------------------------------------ IndexedDB (its own database)
  var opening = null;
  function idb() {
    if (!opening) opening = new Promise(function (resolve, reject) {
      var request = indexedDB.open("kopedu-uploads", 1);
      request.onupgradeneeded = function () { request.result.createObjectStore("jobs", {keyPath: "key"}); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { opening = null; reject(request.error); };
    });
    return opening;
  }
  function tx(mode, work) {
    return idb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction("jobs", mode), r = work(t.objectStore("jobs"));
        t.oncomplete = function () { resolve(r ? r.result : undefined); };
        t.onerror = t.onabort = function () { reject(t.error); };
      });
    });
  }
  function save(job) {
    var copy = {};
    Object.keys(job).forEach(function (k) { if (k !== "el" && k !== "input") copy[k] = job[k]; });
    return tx("readwrite", function (s) { s.put(copy); })["catch"](function () {});
  }
  function forget(job) { delete jobs[job.key]; return tx("readwrite", function (s) { s["delete"](job.key); })["catch"](function () {}); }
  function all() { return tx("readonly", function (s) { return s.getAll(); })["catch"](function () { return []; }); }

  // ------------------------------------------------------------------ helpers
  function user() { return document.body.getAttribute("data-user") || ""; }
  function token() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function texts(input) { try { return JSON.parse(input.getAttribute("data-upload-text")); } catch (e) { return {}; } }
  function kb(n) { return Math.max(1, Math.round(n / 1024)) + " KB"; }
  function key() { return Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }

  // ------------------------------------------------------------------ making photos small
  function decode(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, {imageOrientation: "from-image"})["catch"](function () { return viaImg(file); });
    }
    return viaImg(file);
  }
  function viaImg(file) {
    return new Promise(function (resolve, reject) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }
  function toBlob(canvas, quality) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }
  // A photo (JPEG, PNG, WebP) bigger than the target or than 1600 px becomes a JPEG of about 300 KB.
  function compress(file) {
    var image = /^image\/(jpeg|png|webp)$/.test(file.type) || /\.(jpe?g|png|webp)$/i.test(file.name);
    if (!image) return Promise.resolve({blob: file, name: file.name});
    return decode(file).then(function (img) {
      var w = img.width, h = img.height, scale = Math.min(1, LONG_SIDE / Math.max(w, h));
      if (scale === 1 && file.size <= TARGET) return {blob: file, name: file.name};
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale); canvas.height = Math.round(h * scale);
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, canvas.width, canvas.height); // a PNG's transparency
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      if (img.close) img.close();
      var quality = 0.82;
      function attempt() {
        return toBlob(canvas, quality).then(function (blob) {
          if (blob.size > TARGET && quality > 0.45) { quality -= 0.12; return attempt(); }
          return blob;
        });
      }
      return attempt().then(function (blob) {
        if (blob.size >= file.size && scale === 1) return {blob: file, name: file.name};
        return {blob: blob, name: file.name.replace(/\.[^.\/]*$/, "") + ".jpg"};
      });
    }, function () { return {blob: file, name: file.name}; }); // not decodable here: the server decides
  }

  // ------------------------------------------------------------------ the list under the input
  function listOf(input) {
    var id = input.id + "-uploads", list = document.getElementById(id);
    if (!list) {
      list = document.createElement("ul");
      list.id = id;
      list.className = "uploads";
      input.insertAdjacentElement("afterend", list);
    }
    return list;
  }
  function render(job, state, message) {
    job.state = state;
    if (!job.el || !document.body.contains(job.el)) {
      var input = inputFor(job);
      if (!input) return;
      job.input = input;
      job.el = document.createElement("li");
      job.el.className = "upload";
      job.el.setAttribute("data-upload-key", job.key);
      job.el.innerHTML = '<span class="upload-name"></span> <progress max="100" value="0"></progress> ' +
        '<span class="upload-state" role="status" aria-live="polite"></span> <button type="button" class="link upload-remove"></button>';
      job.el.querySelector(".upload-remove").textContent = texts(input).remove || "×";
      job.el.querySelector(".upload-remove").addEventListener("click", function () { cancel(job); });
      listOf(input).appendChild(job.el);
    }
    var T = texts(job.input);
    job.el.querySelector(".upload-name").textContent = job.name + " (" + kb(job.size) + ")";
    var pct = job.size ? Math.floor(100 * (job.sent || 0) / job.size) : 0;
    job.el.querySelector("progress").value = state === "done" ? 100 : pct;
    job.el.setAttribute("data-state", state);
    var label = {compressing: T.compressing, uploading: (T.uploading || "") + " " + pct + "%",
                 waiting: (T.waiting || "") + " " + pct + "%", done: "✓ " + (T.done || ""), error: message}[state];
    job.el.querySelector(".upload-state").textContent = label || "";
    if (state === "done") hidden(job);
    guard(job.input);
  }
  function inputFor(job) {
    var inputs = document.querySelectorAll("input[data-upload]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.getAttribute("data-upload") === job.purpose && input.getAttribute("data-upload-target") === job.target &&
          (input.getAttribute("data-upload-field") || "upload") === job.field) return input;
    }
    return null;
  }
  function hidden(job) {
    var form = job.input && job.input.form;
    if (!form || form.querySelector('input[type=hidden][value="' + job.id + '"]')) return;
    var h = document.createElement("input");
    h.type = "hidden"; h.name = job.field; h.value = job.id;
    h.setAttribute("data-upload-key", job.key);
    job.el.appendChild(h);
    job.input.dispatchEvent(new CustomEvent("kopedu:uploaded", {bubbles: true, detail: {id: job.id, name: job.name}}));
  }
  // The form cannot be sent while a file is still on its way.
  function guard(input) {
    var form = input && input.form;
    if (!form) return;
    var busy = Object.keys(jobs).some(function (k) { return jobs[k].input === input && jobs[k].state !== "done" && jobs[k].state !== "error"; });
    form.toggleAttribute("data-uploading", busy);
    var note = form.querySelector(".upload-busy");
    if (note && !busy) note.hidden = true;
  }
  function cancel(job) {
    job.cancelled = true;
    if (job.xhr) job.xhr.abort();
    if (job.el) job.el.remove();
    if (job.input) guard(job.input);
    forget(job);
  }

  // ------------------------------------------------------------------ sending
  function request(method, url, body, headers, job) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.timeout = 0; // no time-out: a slow link is not an error
      xhr.setRequestHeader("X-CSRFToken", token());
      Object.keys(headers || {}).forEach(function (h) { xhr.setRequestHeader(h, headers[h]); });
      if (job) {
        job.xhr = xhr;
        if (xhr.upload) xhr.upload.onprogress = function (e) { if (e.lengthComputable) progress(job, job.sent + e.loaded); };
      }
      xhr.onload = function () {
        var data = {};
        if (job) job.xhr = null;
        try { data = JSON.parse(xhr.responseText); } catch (e) { data = {}; }
        resolve({status: xhr.status, data: data});
      };
      xhr.onerror = xhr.onabort = function () { if (job) job.xhr = null; reject(new Error("network")); };
      xhr.send(body);
    });
  }

  function progress(job, bytes) {
    if (!job.el) return;
    var pct = Math.min(99, Math.floor(100 * bytes / job.size));
    job.el.querySelector("progress").value = pct;
    job.el.querySelector(".upload-state").textContent = (texts(job.input).uploading || "") + " " + pct + "%";
  }

  function run(job) {
    if (job.running || job.cancelled || job.state === "done") return;
    if (!navigator.onLine) { render(job, "waiting"); return; }
    job.running = true;
    render(job, "uploading");
    var T = texts(job.input);
    var start = job.id ? request("GET", "/unggah/" + job.id) : (function () {
      var form = new FormData();
      form.append("purpose", job.purpose); form.append("target", job.target);
      form.append("name", job.name); form.append("size", String(job.size));
      return request("POST", "/unggah", form);
    })();
    start.then(function (r) {
      if (r.status === 404 && job.id) { job.id = null; job.sent = 0; save(job); throw new Error("restart"); }
      if (r.status >= 400) throw {refused: r.data.error || T.failed};
      job.id = r.data.id; job.sent = r.data.offset; job.chunk = r.data.chunk || 65536;
      save(job);
      return next(job);
    }).then(function () {
      job.running = false;
    }, function (error) {
      job.running = false;
      if (job.cancelled) return;
      if (error && error.refused) { render(job, "error", error.refused); forget(job); return; }
      // no signal, or the server failed: wait, then ask the server where it stopped
      render(job, "waiting");
      job.retry = Math.min((job.retry || 1) * 2, 30);
      setTimeout(function () { run(job); }, job.retry * 1000);
    });
  }

  function next(job) {
    if (job.cancelled) return Promise.resolve();
    if (job.sent >= job.size) return Promise.resolve();
    var end = Math.min(job.sent + job.chunk, job.size), T = texts(job.input);
    return request("PATCH", "/unggah/" + job.id, job.blob.slice(job.sent, end),
                   {"Upload-Offset": String(job.sent), "Content-Type": "application/offset+octet-stream"}, job)
      .then(function (r) {
        if (r.status === 200 || r.status === 409) {
          job.sent = r.data.offset; job.retry = 1;
          if (r.status === 200 && r.data.done) { job.done = true; save(job); render(job, "done"); return; }
          save(job);
          render(job, "uploading");
          return next(job);
        }
        if (r.status >= 500) throw new Error("server");
        throw {refused: r.data.error || T.failed};
      });
  }

  // ------------------------------------------------------------------ the input
  function attach(input, files) {
    Array.prototype.forEach.call(files, function (file) {
      var job = {key: key(), user: user(), purpose: input.getAttribute("data-upload"),
                 target: input.getAttribute("data-upload-target") || "", field: input.getAttribute("data-upload-field") || "upload",
                 name: file.name, size: file.size, sent: 0, at: Date.now()};
      jobs[job.key] = job;
      job.input = input;
      render(job, "compressing");
      var began = performance.now();
      compress(file).then(function (small) {
        job.blob = small.blob; job.name = small.name; job.size = small.blob.size;
        job.original = file.size; job.compressMs = Math.round(performance.now() - began);
        input.setAttribute("data-last-compress", JSON.stringify({ms: job.compressMs, from: file.size, to: job.size}));
        return save(job);
      }).then(function () { run(job); });
    });
    input.value = ""; // the form sends the upload's id, not the file
  }

  function setUp(root) {
    var inputs = (root || document).querySelectorAll("input[type=file][data-upload]");
    Array.prototype.forEach.call(inputs, function (input) {
      if (input.hasAttribute("data-upload-ready")) return;
      input.setAttribute("data-upload-ready", "");
      input.removeAttribute("name"); // without this script the input posts the file itself
      input.addEventListener("change", function () { attach(input, input.files); });
      var form = input.form;
      if (form && !form.hasAttribute("data-upload-guard")) {
        form.setAttribute("data-upload-guard", "");
        form.addEventListener("submit", function (event) {
          if (form.hasAttribute("data-uploading")) {
            event.preventDefault(); event.stopImmediatePropagation();
            var note = form.querySelector(".upload-busy");
            if (!note) {
              note = document.createElement("p");
              note.className = "upload-busy flash flash-warning";
              note.setAttribute("role", "alert");
              note.textContent = texts(input).busy || "";
              listOf(input).insertAdjacentElement("afterend", note);
            }
            note.hidden = false;
          }
        }, true);
        // the form that used the uploads went through: they need not be kept on the phone any more
        form.addEventListener("htmx:afterRequest", function (event) {
          if (!event.detail.successful) return;
          Object.keys(jobs).forEach(function (k) { if (jobs[k].done && jobs[k].input && jobs[k].input.form === form) forget(jobs[k]); });
        });
      }
    });
    // uploads kept on the phone for these inputs (a page closed, a signal lost) are shown and go on
    all().then(function (saved) {
      saved.forEach(function (job) {
        if (job.user !== user() || jobs[job.key] || !inputFor(job)) return;
        jobs[job.key] = job;
        if (job.done) render(job, "done"); else if (job.blob) run(job); else forget(job);
      });
    });
  }

  window.addEventListener("online", function () {
    Object.keys(jobs).forEach(function (k) { if (!jobs[k].done) { jobs[k].retry = 1; run(jobs[k]); } });
  });
  window.addEventListener("offline", function () {
    Object.keys(jobs).forEach(function (k) { if (jobs[k].xhr) jobs[k].xhr.abort(); });
  });
  document.addEventListener("htmx:load", function (event) { setUp(event.detail.elt); });
  window.KopEduUpload = {ready: function () { setUp(document); }, compress: compress};
  setUp(document);
})();
