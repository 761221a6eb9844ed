// FAQ screens.
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
