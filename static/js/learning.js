// KopEdu learning: the quiz countdown. The server keeps the deadline and refuses late answers;
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
