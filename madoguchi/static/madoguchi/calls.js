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

  // The booking panel (calls/_booking.html): focus follows the step, slots by their letter, the booking fills
  // the call form (outcome 予約受付, the code, the sub-category when none was chosen).
  function panel() { return document.getElementById("booking-panel"); }
  function fillCallForm(box) {
    var codes = box.getAttribute("data-booked-codes");
    if (!codes) return;
    var ref = document.getElementById("id_reservation_ref");
    if (ref) ref.value = codes;
    var outcome = document.getElementById("id_outcome");
    if (outcome && outcome.value !== "booked") {
      outcome.value = "booked";
      outcome.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var sub = document.getElementById("id_subcategory"), cat = box.getAttribute("data-booked-category");
    if (sub && !sub.value && cat) sub.value = cat;
  }
  var FOCUS = { find: "bk-notice", family: "bk-family", slots: "slot-chooser", confirm: "bk-confirm", done: "booking-done" };
  function settle() {
    var box = panel();
    if (!box) return;
    fillCallForm(box);
    var target = document.getElementById(FOCUS[box.getAttribute("data-focus")] || "");
    if (!target && box.getAttribute("data-focus") === "family") target = document.getElementById("slot-chooser");
    if (target) target.focus();
  }
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.target && (event.target.id === "booking-panel" || !document.body.contains(event.target))) settle();
  });
  ready(function () { var box = panel(); if (box) fillCallForm(box); });
  document.addEventListener("keydown", function (event) {
    var box = panel();
    if (!box || !box.contains(event.target) || event.altKey || event.ctrlKey || event.metaKey) return;
    var chooser = document.getElementById("slot-chooser");
    if (event.target.id === "bk-family" && event.key === "Enter" && !event.target.value.trim() && chooser) {
      event.preventDefault();  // everyone is in: on to the slots
      chooser.focus();
      return;
    }
    if (event.key === "Escape") {
      var back = box.querySelector("[data-escape]");
      if (back) { event.preventDefault(); back.click(); }
      return;
    }
    if (!chooser || !chooser.contains(event.target)) return;
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
      var nav = box.querySelector('[data-day-nav="' + (event.key === "ArrowLeft" ? "prev" : "next") + '"]');
      if (nav) { event.preventDefault(); nav.click(); }
      return;
    }
    if (event.key.length === 1 && /[a-z]/i.test(event.key)) {
      var slot = chooser.querySelector('[data-slot-key="' + event.key.toLowerCase() + '"]');
      event.preventDefault();
      if (slot && !slot.disabled) slot.click();
    }
  });
})();
