// madoguchi shell behaviour. No inline scripts anywhere (CSP): pages opt in with data- attributes.
(function () {
  "use strict";
  // Confirm destructive buttons: <button data-confirm="…">.
  document.addEventListener("click", function (event) {
    var el = event.target.closest("[data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopPropagation();
    }
  }, true);
  // Keyboard shortcuts declared in markup: <a data-shortcut="g c" …> or <button data-shortcut="alt+s">.
  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) return;
    var parts = [];
    if (event.altKey) parts.push("alt");
    if (event.ctrlKey) parts.push("ctrl");
    if (event.shiftKey && event.key.length > 1) parts.push("shift");
    parts.push(event.key.toLowerCase());
    var combo = parts.join("+");
    var el = document.querySelector('[data-shortcut="' + combo.replace(/"/g, "") + '"]');
    if (!el) return;
    var tag = (event.target.tagName || "").toLowerCase();
    if (!event.altKey && !event.ctrlKey && (tag === "input" || tag === "textarea" || tag === "select")) return;
    event.preventDefault();
    if (el.matches("input, select, textarea")) { el.focus(); if (el.select) el.select(); } else { el.click(); }
  });
})();
