// floor pages. base.html asks for htmx under django-htmx/ while django-htmx ships it under django_htmx/:
// when htmx did not load, load it from the right place (this script's data-htmx) and process the page,
// since htmx loaded after DOMContentLoaded would wait for that event forever. Never loads it twice.
(function () {
  "use strict";
  var self = document.currentScript;
  if (window.htmx || !self || !self.getAttribute("data-htmx")) return;
  var loader = document.createElement("script");
  loader.src = self.getAttribute("data-htmx");
  loader.addEventListener("load", function () { if (window.htmx) window.htmx.process(document.body); });
  document.head.appendChild(loader);
})();
