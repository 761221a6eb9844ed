// 棚卸 (stocktake mode of the scan station): the scanner types each number and Enter into the box; the
// running count compares them with the numbers that should be at the place. The server compares again and
// keeps the result when the form is sent.
(function () {
  "use strict";
  var box = document.getElementById("st-scanned");
  var data = document.getElementById("st-expected-numbers");
  if (!box || !data) return;
  var expected = new Set(JSON.parse(data.textContent));
  var last = document.getElementById("st-last");

  function key(value) {
    // The same folding as the server's normalize_key: full width to half width, no spaces or hyphens.
    return value.normalize("NFKC").replace(/[\s\-‐‑―ー－]/g, "").toUpperCase();
  }

  function set(id, n) {
    document.getElementById(id).textContent = String(n);
  }

  function update(announce) {
    var seen = new Set();
    var found = 0;
    var unexpected = 0;
    var lastKey = "";
    box.value.split(/\s+/).forEach(function (raw) {
      var k = key(raw);
      if (!k || seen.has(k)) return;
      seen.add(k);
      lastKey = k;
      if (expected.has(k)) found += 1;
      else unexpected += 1;
    });
    set("st-count-scanned", seen.size);
    set("st-found", found);
    set("st-unexpected", unexpected);
    set("st-remaining", expected.size - found);
    if (announce && lastKey) {
      var ok = expected.has(lastKey);
      last.textContent = lastKey + (ok ? ": ここにあるはずのカードです。" : ": ここにあるはずのカードではありません（予定外）。");
      last.classList.toggle("error", !ok);
    }
  }

  box.addEventListener("keyup", function (event) {
    update(event.key === "Enter");
  });
  box.addEventListener("input", function () {
    update(false);
  });
  update(false);
})();
