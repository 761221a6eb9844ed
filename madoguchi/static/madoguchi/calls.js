// Call center desk: call timer, the call's start on first use, and the outcome-dependent fields.
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }

  ready(function () {
    var desk = document.getElementById("call-desk");
    if (!desk) return;  // only the call desk has a timer
    var timer = document.getElementById("call-timer");
    var startedInput = document.querySelector("#call-form input[name=started_at]");
    // The server's clock decides the call's start: offset the browser clock by the difference at load.
    var serverNow = Date.parse(desk.getAttribute("data-server-now"));
    var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();
    var started = null;

    function pad(n) { return (n < 10 ? "0" : "") + n; }
    function tick() {
      if (!started) { timer.textContent = "待機中"; return; }
      var secs = Math.max(0, Math.floor((Date.now() + offset - started) / 1000));
      timer.textContent = Math.floor(secs / 60) + ":" + pad(secs % 60);
    }
    function isoWithOffset(ms) {
      var d = new Date(ms), tz = -d.getTimezoneOffset(), sign = tz >= 0 ? "+" : "-";
      tz = Math.abs(tz);
      return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
        pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(tz / 60)) + ":" + pad(tz % 60);
    }
    function startCall() {
      if (started) return;
      started = Date.now() + offset;
      if (startedInput) startedInput.value = isoWithOffset(started);
      desk.setAttribute("data-mode", "running");
      tick();
    }
    if (desk.getAttribute("data-mode") === "running") {
      started = Date.parse(timer.getAttribute("data-started"));
      if (isNaN(started)) started = Date.now() + offset;
    }
    // Waiting for a call: the call starts with the operator's first keystroke or click on the desk.
    desk.addEventListener("input", startCall);
    desk.addEventListener("change", startCall);
    var startButton = document.getElementById("start-call");
    if (startButton) startButton.addEventListener("click", function () { startCall(); document.getElementById("faq-q").focus(); });
    var form = document.getElementById("call-form");
    if (form) form.addEventListener("submit", function (event) {
      startCall();
      // One call, one record: a second Ctrl+Enter while the first is on its way does nothing.
      if (form.getAttribute("data-sent")) { event.preventDefault(); return; }
      form.setAttribute("data-sent", "1");
    });
    tick();
    window.setInterval(tick, 1000);

    // Show the fields that belong to the chosen outcome (予約番号 for booked, 折り返し for callback).
    var outcome = document.getElementById("id_outcome");
    var sections = document.querySelectorAll("[data-show-for]");
    function sync(focus) {
      var value = outcome ? outcome.value : "";
      sections.forEach(function (el) {
        var show = el.getAttribute("data-show-for") === value || el.querySelector(".has-error");
        el.hidden = !show;
      });
      if (focus && value === "callback") {
        var phone = document.getElementById("id_callback_phone");
        if (phone) phone.focus();
      }
    }
    if (outcome) {
      outcome.addEventListener("change", function () { sync(true); });
      sync(false);
    }

    // A refused form puts the operator on the first field to fix, not back in the FAQ search box.
    var firstError = document.querySelector("#call-form .has-error input, #call-form .has-error select, #call-form .has-error textarea");
    if (firstError) firstError.focus();
  });
})();
