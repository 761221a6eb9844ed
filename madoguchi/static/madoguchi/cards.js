// Import progress: while a batch validates, post back for the next chunk and swap the progress box.
// (Plain fetch, so the bar moves whether or not htmx is loaded.)
(function () {
  "use strict";
  function advance() {
    var box = document.getElementById("import-progress");
    if (!box || !box.dataset.advanceUrl) return;
    var token = box.querySelector("input[name=csrfmiddlewaretoken]");
    fetch(box.dataset.advanceUrl, {
      method: "POST",
      headers: { "X-CSRFToken": token ? token.value : "", "HX-Request": "true" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        box.outerHTML = html;
        window.setTimeout(advance, 50);
      })
      .catch(function () { window.setTimeout(advance, 2000); });
  }
  document.addEventListener("DOMContentLoaded", advance);
})();

// Scan station: a keyboard-wedge scanner types a notice number and Enter, again and again.
// Each Enter queues the number and clears the field at once; a single worker posts the queue in order,
// so fast scans are neither lost nor sent twice. Feedback: colour, a WebAudio beep, a log and a tally.
(function () {
  "use strict";
  var form = document.getElementById("scan-form");
  if (!form) return;
  var input = document.getElementById("id_notice_number");
  var step = document.getElementById("id_step");
  var status = document.getElementById("scan-status");
  var log = document.getElementById("scan-log");
  var undoButton = document.getElementById("scan-undo");
  var tally = { ok: 0, ng: 0 };
  var queue = [];
  var busy = false;
  var lastEvent = null;
  var audio = null;

  function csrf() {
    var el = form.querySelector("input[name=csrfmiddlewaretoken]");
    return el ? el.value : "";
  }

  function beep(ok) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "sine";
      osc.frequency.value = ok ? 1320 : 220;
      gain.gain.value = 0.15;
      osc.connect(gain);
      gain.connect(audio.destination);
      var now = audio.currentTime;
      osc.start(now);
      osc.stop(now + (ok ? 0.08 : 0.45));
    } catch (e) { /* no audio device: colour and text still tell */ }
  }

  function show(ok, message) {
    status.textContent = message;
    status.classList.remove("ok", "ng");
    void status.offsetWidth; // restart the flash animation
    status.classList.add(ok ? "ok" : "ng");
    var li = document.createElement("li");
    li.className = ok ? "ok" : "ng";
    li.textContent = message;
    log.insertBefore(li, log.firstChild);
    while (log.children.length > 200) log.removeChild(log.lastChild);
  }

  function updateTally() {
    document.getElementById("tally-ok").textContent = String(tally.ok);
    document.getElementById("tally-ng").textContent = String(tally.ng);
    document.getElementById("tally-pending").textContent = String(queue.length + (busy ? 1 : 0));
    undoButton.disabled = lastEvent === null;
  }

  function fields() {
    var data = new FormData();
    data.append("step", step.value);
    ["location", "office", "note"].forEach(function (name) {
      var el = form.elements[name];
      if (el) data.append(name, el.value);
    });
    return data;
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      headers: { "X-CSRFToken": csrf(), "Accept": "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().catch(function () {
        return { ok: false, message: "サーバーの応答を読めません（" + response.status + "）。" };
      });
    });
  }

  function work() {
    if (busy || queue.length === 0) { updateTally(); return; }
    busy = true;
    var item = queue.shift();
    updateTally();
    post(form.action, item.data)
      .then(function (result) {
        if (result.ok) { tally.ok += 1; lastEvent = result.event; } else { tally.ng += 1; }
        beep(result.ok);
        show(result.ok, result.message);
      })
      .catch(function () {
        tally.ng += 1;
        beep(false);
        show(false, item.number + ": 通信できませんでした。もう一度読み取ってください。");
      })
      .then(function () { busy = false; work(); });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var number = input.value.trim();
    input.value = "";
    input.focus();
    if (!number) return;
    var data = fields();
    data.append("notice_number", number);
    queue.push({ number: number, data: data });
    work();
  });

  undoButton.addEventListener("click", function () {
    if (lastEvent === null) return;
    var data = new FormData();
    data.append("event", String(lastEvent));
    lastEvent = null;
    updateTally();
    post(form.dataset.undoUrl, data).then(function (result) {
      if (result.ok) tally.ok = Math.max(0, tally.ok - 1);
      beep(result.ok);
      show(result.ok, result.message);
      updateTally();
      input.focus();
    });
  });

  document.getElementById("scan-step-focus").addEventListener("click", function () { step.focus(); });

  // Show only the extra fields the chosen step needs.
  function toggle() {
    form.querySelectorAll("[data-for-step]").forEach(function (el) {
      el.hidden = el.getAttribute("data-for-step").split(" ").indexOf(step.value) < 0;
    });
  }
  step.addEventListener("change", function () { toggle(); input.focus(); });
  toggle();
  input.focus();
})();
