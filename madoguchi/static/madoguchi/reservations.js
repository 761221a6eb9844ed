// Reservations desk.
(function () {
  "use strict";
  // After an htmx swap, put the focus where the operator continues: the search field (or the first error).
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail.target;
    var next = root.querySelector(".has-error input") || root.querySelector("[autofocus]") || root.querySelector("input:not([type=hidden])");
    if (next) { next.focus(); if (next.select) next.select(); }
  });
})();
