// Reservations desk: after an htmx swap, put the focus where the operator continues (first slot or the search).
(function () {
  "use strict";
  document.addEventListener("htmx:afterSwap", function (event) {
    var root = event.detail.target;
    var next = root.querySelector("[autofocus]") || root.querySelector(".has-error input") || root.querySelector("input:not([type=hidden])");
    if (next) next.focus();
  });
})();
