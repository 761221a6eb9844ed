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
  // Form errors (lib/_form.html): the summary takes focus so a screen reader reads it first, and each input
  // with an error is described by its message.
  function describeErrors(root) {
    root.querySelectorAll(".field.has-error").forEach(function (field) {
      var ids = Array.prototype.map.call(field.querySelectorAll("p.error[id]"), function (p) { return p.id; });
      var input = field.querySelector("input, select, textarea");
      if (!input || !ids.length) return;
      var existing = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      ids.forEach(function (id) { if (existing.indexOf(id) < 0) existing.unshift(id); });
      input.setAttribute("aria-describedby", existing.join(" "));
      input.setAttribute("aria-invalid", "true");
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    describeErrors(document);
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });
  document.addEventListener("htmx:afterSwap", function (event) { describeErrors(event.target); });
  // A link in the error summary moves focus to its field (not only scrolls to it).
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-error-summary] a[href^='#']");
    if (!link) return;
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (field) { event.preventDefault(); field.focus(); field.scrollIntoView({ block: "center" }); }
  });
})();
