// Reservations desk.
(function () {
  "use strict";
  // base.html asks for htmx under django-htmx/ while django-htmx ships it under django_htmx/: when htmx did not
  // load, load it from this script's data-htmx and process the page. Never loads it twice.
  var self = document.currentScript;
  if (!window.htmx && self && self.getAttribute("data-htmx")) {
    var loader = document.createElement("script");
    loader.src = self.getAttribute("data-htmx");
    loader.addEventListener("load", function () { if (window.htmx) window.htmx.process(document.body); });
    document.head.appendChild(loader);
  }
  // After an htmx swap, put the focus where the operator continues: the search field (or the first error).
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail.target;
    var next = root.querySelector(".has-error input") || root.querySelector("[autofocus]") || root.querySelector("input:not([type=hidden])");
    if (next) { next.focus(); if (next.select) next.select(); }
  });
})();
