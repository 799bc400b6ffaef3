/* The lesson editor's recorder: a narration recorded in the browser (MediaRecorder, Opus), its length
   and size shown while recording, listened to before it is kept, then sent as the lesson's narration
   (the same form as an uploaded file, with the page's CSRF token). Loaded by kopedu.js where an element
   has data-recorder. */
(function () {
  "use strict";
  var TYPES = ["audio/webm;codecs=opus", "audio/ogg;codecs=opus", "audio/webm"];
  var session = null; // {box, recorder, chunks, bytes, started, timer, blob, stream}

  function supported() {
    return !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia && window.MediaRecorder);
  }

  function type() {
    for (var i = 0; i < TYPES.length; i++) if (MediaRecorder.isTypeSupported(TYPES[i])) return TYPES[i];
    return "";
  }

  function el(box, name) { return box.querySelector("[data-rec-" + name + "]"); }

  function text(box, key) { return box.getAttribute("data-text-" + key) || ""; }

  function kb(bytes) { return Math.max(1, Math.round(bytes / 1024)).toLocaleString("id-ID") + " KB"; }

  function clock(seconds) {
    var m = Math.floor(seconds / 60), s = Math.floor(seconds % 60);
    return m + ":" + (s < 10 ? "0" : "") + s;
  }

  function status(box, message) { el(box, "status").textContent = message; }

  function state(box, name) {
    // idle → recording → recorded (listen, keep or record again)
    el(box, "start").hidden = name === "recording";
    el(box, "stop").hidden = name !== "recording";
    el(box, "preview").hidden = name !== "recorded";
    el(box, "save").hidden = name !== "recorded";
  }

  function start(box) {
    navigator.mediaDevices.getUserMedia({audio: true}).then(function (stream) {
      var mime = type();
      var recorder = new MediaRecorder(stream, mime ? {mimeType: mime, audioBitsPerSecond: 32000} : {});
      session = {box: box, recorder: recorder, chunks: [], bytes: 0, started: Date.now(), stream: stream};
      recorder.ondataavailable = function (event) {
        if (!event.data || !event.data.size) return;
        session.chunks.push(event.data);
        session.bytes += event.data.size;
      };
      recorder.onstop = function () { finished(box); };
      recorder.start(1000); // a chunk a second: the size grows as it records
      var limit = parseInt(box.getAttribute("data-max-seconds"), 10) || 1200;
      session.timer = setInterval(function () {
        var seconds = (Date.now() - session.started) / 1000;
        status(box, text(box, "recording") + " " + clock(seconds) + " · " + kb(session.bytes));
        if (seconds >= limit) stop();
      }, 500);
      state(box, "recording");
      status(box, text(box, "recording") + " 0:00");
    })["catch"](function () {
      status(box, text(box, "denied"));
    });
  }

  function stop() {
    if (session && session.recorder.state !== "inactive") session.recorder.stop();
  }

  function finished(box) {
    clearInterval(session.timer);
    session.stream.getTracks().forEach(function (track) { track.stop(); });
    var mime = (session.recorder.mimeType || "audio/webm").split(";")[0];
    session.blob = new Blob(session.chunks, {type: mime});
    var seconds = (Date.now() - session.started) / 1000;
    var preview = el(box, "preview");
    if (preview.src) URL.revokeObjectURL(preview.src);
    preview.src = URL.createObjectURL(session.blob);
    state(box, "recorded");
    status(box, text(box, "recorded") + " " + clock(seconds) + " · " + kb(session.blob.size));
  }

  function save(box) {
    if (!session || !session.blob) return;
    var form = new FormData();
    var ending = session.blob.type.indexOf("ogg") >= 0 ? "ogg" : "webm";
    form.append("narasi", new File([session.blob], "narasi." + ending, {type: session.blob.type}));
    form.append("direkam", "1");
    var headers = {};
    try { headers = JSON.parse(document.body.getAttribute("hx-headers")); } catch (e) { headers = {}; }
    el(box, "save").disabled = true;
    status(box, text(box, "saving"));
    // not following the redirect: the page it leads to shows the outcome (saved, or why not) once
    fetch(box.getAttribute("data-recorder"), {method: "POST", body: form, headers: headers, credentials: "same-origin",
                                              redirect: "manual"})
      .then(function (response) {
        if (response.type !== "opaqueredirect" && !response.ok) throw new Error(String(response.status));
        window.location.reload();
      })["catch"](function () {
        el(box, "save").disabled = false;
        status(box, text(box, "failed"));
      });
  }

  function setUp() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-recorder]"), function (box) {
      if (box.hasAttribute("data-recorder-ready")) return;
      box.setAttribute("data-recorder-ready", "");
      if (!supported()) { status(box, text(box, "unsupported")); return; }
      el(box, "start").hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var box = event.target.closest("[data-recorder]");
    if (!box) return;
    if (event.target.closest("[data-rec-start]")) start(box);
    else if (event.target.closest("[data-rec-stop]")) stop();
    else if (event.target.closest("[data-rec-save]")) save(box);
  });
  document.addEventListener("kopedu:page", setUp);
  setUp();
})();
