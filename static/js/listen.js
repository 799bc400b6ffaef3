/* "Dengarkan": the lesson read aloud by the phone's own Indonesian voice (Web Speech API), sentence by
   sentence, the sentence being read highlighted; pause, resume, speed. Where the phone has no
   Indonesian voice the button is not offered — Indonesian is never read with an English voice — and a
   short note says how to add one. Loaded by kopedu.js where an element has data-listen (the lesson
   page); works offline, since the voice is the phone's. */
(function () {
  "use strict";
  var synth = window.speechSynthesis;
  var reading = null; // {box, sentences, index, rate, token}
  var VOICE_WAIT_MS = 1500; // voices arrive asynchronously on some phones

  function indonesianVoice() {
    var voices = synth ? synth.getVoices() || [] : [];
    for (var i = 0; i < voices.length; i++) {
      // Android once named Indonesian "in-ID"; BCP 47 says "id-ID"
      var lang = String(voices[i].lang || "").replace("_", "-").toLowerCase();
      if (lang === "id" || lang === "in" || lang.indexOf("id-") === 0 || lang.indexOf("in-") === 0) return voices[i];
    }
    return null;
  }

  // ------------------------------------------------------------------ sentences
  var SKIP = "pre, code, script, style, [hidden], .no-listen";
  var BLOCKS = "p, li, h1, h2, h3, h4, h5, h6, td, th, dt, dd, figcaption, blockquote, caption";

  function blockOf(node, root) {
    for (var el = node.parentElement; el && el !== root; el = el.parentElement) {
      if (el.matches(BLOCKS)) return el;
    }
    return root;
  }

  /* The text's sentences in reading order, each with a Range over the text nodes it covers. A sentence
     ends at . ! ? or … followed by a space or the end of its block, so "Rp1.548.000" stays whole. */
  function sentencesOf(root) {
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentElement && node.parentElement.closest(SKIP) ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var blocks = [], current = null, node;
    while ((node = walker.nextNode())) {
      var block = blockOf(node, root);
      if (!current || current.el !== block) {
        current = {el: block, text: "", parts: []};
        blocks.push(current);
      }
      current.parts.push({node: node, start: current.text.length});
      current.text += node.nodeValue;
    }
    var result = [];
    blocks.forEach(function (b) {
      splitSentences(b.text).forEach(function (span) {
        var text = b.text.slice(span[0], span[1]).replace(/\s+/g, " ").trim();
        if (/[\p{L}\p{N}]/u.test(text)) result.push({text: text, range: rangeOf(b, span[0], span[1])});
      });
    });
    return result;
  }

  var ENDS = ".!?\u2026", CLOSERS = ".!?\u2026\"\u201d\u2019)]";

  function splitSentences(text) {
    var spans = [], start = 0;
    for (var i = 0; i < text.length; i++) {
      if (ENDS.indexOf(text[i]) < 0) continue;
      var j = i + 1;
      while (j < text.length && CLOSERS.indexOf(text[j]) >= 0) j++;
      if (j === text.length || /\s/.test(text[j])) { spans.push(trimmed(text, start, j)); start = j; i = j - 1; }
    }
    if (start < text.length) spans.push(trimmed(text, start, text.length));
    return spans;
  }

  function trimmed(text, from, to) {
    while (from < to && /\s/.test(text[from])) from++;
    return [from, to];
  }

  function rangeOf(block, from, to) {
    var range = document.createRange(), started = false;
    for (var i = 0; i < block.parts.length; i++) {
      var part = block.parts[i], end = part.start + part.node.nodeValue.length;
      if (!started && from < end) { range.setStart(part.node, Math.max(0, from - part.start)); started = true; }
      if (started && to <= end) { range.setEnd(part.node, to - part.start); return range; }
    }
    var last = block.parts[block.parts.length - 1];
    range.setEnd(last.node, last.node.nodeValue.length);
    return range;
  }

  // ------------------------------------------------------------------ highlight
  var canHighlight = !!(window.CSS && CSS.highlights && window.Highlight);

  function highlight(sentence) {
    var box = reading.box;
    box.querySelectorAll(".reading").forEach(function (el) { el.classList.remove("reading"); });
    if (canHighlight) {
      if (sentence) CSS.highlights.set("kopedu-reading", new Highlight(sentence.range)); else CSS.highlights["delete"]("kopedu-reading");
    } else if (sentence) {
      var el = sentence.range.startContainer.parentElement;
      if (el) el.classList.add("reading");
    }
    if (sentence) {
      var rect = sentence.range.getBoundingClientRect();
      if (rect.top < 0 || rect.bottom > window.innerHeight) {
        window.scrollBy({top: rect.top - window.innerHeight / 3, behavior: "smooth"});
      }
    }
  }

  // ------------------------------------------------------------------ speaking
  function show(controls, playing, paused) {
    controls.querySelector("[data-listen-play]").hidden = playing || paused;
    controls.querySelector("[data-listen-pause]").hidden = !playing;
    controls.querySelector("[data-listen-resume]").hidden = !paused;
    controls.querySelector("[data-listen-stop]").hidden = !(playing || paused);
  }

  function speak() {
    var r = reading, token = ++r.token;
    var sentence = r.sentences[r.index];
    if (!sentence) { stop(); return; }
    highlight(sentence);
    var utterance = new SpeechSynthesisUtterance(sentence.text);
    utterance.lang = "id-ID";
    utterance.voice = r.voice;
    utterance.rate = r.rate;
    utterance.onend = function () {
      if (reading !== r || token !== r.token || !r.playing) return; // cancelled meanwhile
      r.index += 1;
      speak();
    };
    utterance.onerror = utterance.onend;
    synth.speak(utterance);
  }

  function start(controls) {
    var box = document.querySelector(controls.getAttribute("data-listen"));
    if (!box) return;
    stop();
    reading = {controls: controls, box: box, sentences: sentencesOf(box), index: 0, token: 0, playing: true,
               voice: indonesianVoice(), rate: parseFloat(controls.querySelector("[data-listen-rate]").value) || 1};
    show(controls, true, false);
    speak();
  }

  // Pausing cancels the speech and remembers the sentence (speechSynthesis.pause() is unreliable on
  // Android); resuming reads that sentence again from its start.
  function pause() {
    if (!reading) return;
    reading.playing = false;
    reading.token += 1;
    synth.cancel();
    show(reading.controls, false, true);
  }

  function resume() {
    if (!reading) return;
    reading.playing = true;
    show(reading.controls, true, false);
    speak();
  }

  function stop() {
    if (!reading) return;
    var r = reading;
    r.playing = false;
    r.token += 1;
    if (synth) synth.cancel();
    highlight(null);
    show(r.controls, false, false);
    reading = null;
  }

  // ------------------------------------------------------------------ the page
  function setUp() {
    var controls = document.querySelector("[data-listen]");
    if (!controls || controls.hasAttribute("data-listen-ready")) return;
    controls.setAttribute("data-listen-ready", "");
    var offer = function () {
      var voice = indonesianVoice();
      controls.querySelector("[data-listen-play]").hidden = !voice;
      controls.querySelector("[data-listen-speed]").hidden = !voice;
      controls.querySelector("[data-listen-none]").hidden = !!voice;
      return !!voice;
    };
    if (!synth || typeof window.SpeechSynthesisUtterance !== "function") { offer(); return; }
    if (!offer()) {
      // the list may still be loading: look again when it changes, and say "no voice" only after a while
      controls.querySelector("[data-listen-none]").hidden = true;
      synth.addEventListener("voiceschanged", offer);
      setTimeout(offer, VOICE_WAIT_MS);
    }
  }

  document.addEventListener("click", function (event) {
    var controls = event.target.closest("[data-listen]");
    if (!controls) return;
    if (event.target.closest("[data-listen-play]")) start(controls);
    else if (event.target.closest("[data-listen-pause]")) pause();
    else if (event.target.closest("[data-listen-resume]")) resume();
    else if (event.target.closest("[data-listen-stop]")) stop();
  });
  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-listen-rate]") || !reading) return;
    reading.rate = parseFloat(event.target.value) || 1;
    if (reading.playing) { reading.token += 1; synth.cancel(); speak(); } // the current sentence at the new speed
  });
  // a new page (boosted link) or leaving ends the reading
  document.addEventListener("htmx:beforeSwap", function (event) { if (event.detail.target === document.body) stop(); });
  window.addEventListener("pagehide", stop);
  document.addEventListener("kopedu:page", setUp);
  setUp();
  window.KopEduListen = {sentences: sentencesOf, stop: stop};
})();
