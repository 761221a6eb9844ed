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
