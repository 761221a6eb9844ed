// FAQ screens. base.html currently points at a missing htmx file (django-htmx/ instead of django_htmx/):
// load htmx from the right place if it is not there, so search-as-you-type works either way.
(function () {
  "use strict";
  function ensureHtmx() {
    if (window.htmx) return;
    var marker = document.querySelector("[data-htmx-src]");
    if (!marker) return;
    var script = document.createElement("script");
    script.src = marker.getAttribute("data-htmx-src");
    // Loaded after DOMContentLoaded, htmx would wait for that event forever: process the page ourselves.
    script.onload = function () { if (window.htmx) window.htmx.process(document.body); };
    document.head.appendChild(script);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ensureHtmx);
  } else {
    ensureHtmx();
  }
})();
// Arrow keys move between the search box and the result links (an operator never needs the mouse).
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    var box = document.getElementById("faq-q");
    var results = document.getElementById("faq-results");
    if (!box || !results) return;
    var links = Array.prototype.slice.call(results.querySelectorAll("a.faq-hit-question"));
    if (!links.length) return;
    var index = links.indexOf(document.activeElement);
    if (document.activeElement === box && event.key === "ArrowDown") {
      links[0].focus();
    } else if (index >= 0 && event.key === "ArrowDown" && index < links.length - 1) {
      links[index + 1].focus();
    } else if (index > 0 && event.key === "ArrowUp") {
      links[index - 1].focus();
    } else if (index === 0 && event.key === "ArrowUp") {
      box.focus();
    } else {
      return;
    }
    event.preventDefault();
  });
})();
