// Counters that never lose a tap (floor board, outreach window counters).
// A form marked data-queue is not sent by htmx: each submit becomes an entry in localStorage with its own
// idempotency key and the time of the tap, the count on screen goes up at once, and the entries are sent one by
// one, in order. An entry leaves the queue only when the server has answered it; a lost answer means the same
// entry (same key) is sent again, and the server counts a key once. Offline: the taps wait (and survive a
// reload or a closed tab) and go out when the network is back. Session expired: the server answers HX-Redirect,
// the taps stay, and after logging in the page sends them.
//
// Markup: <form data-queue data-queue-target="#floor-counts" data-queue-status="#floor-status" action=…>
//   <button name="purpose" value="pickup" data-bump="#count-pickup #floor-total">…</button>
(function () {
  "use strict";
  var STORE = "madoguchi.queue.v1";
  var RETRY_MS = 5000;
  var sending = false;
  var timer = null;

  function load() {
    try { return JSON.parse(window.localStorage.getItem(STORE) || "[]"); } catch (e) { return []; }
  }
  function save(items) { window.localStorage.setItem(STORE, JSON.stringify(items)); }

  function newKey() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var b = window.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function localIso(d) {
    // ISO 8601 with the tablet's offset, e.g. 2026-11-29T10:15:03+09:00.
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var off = -d.getTimezoneOffset();
    var sign = off >= 0 ? "+" : "-";
    off = Math.abs(off);
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" + pad(d.getHours()) + ":" +
      pad(d.getMinutes()) + ":" + pad(d.getSeconds()) + sign + pad(Math.floor(off / 60)) + ":" + pad(off % 60);
  }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }

  function forPage(items) {
    // Entries belong to the page (form action) that made them; other pages' entries wait for their page.
    var actions = {};
    document.querySelectorAll("form[data-queue]").forEach(function (f) { actions[f.action] = f; });
    return items.filter(function (it) { return actions[it.url]; });
  }

  function statusEl(item) {
    return item && item.status ? document.querySelector(item.status) : null;
  }

  function say(item, text, cls) {
    var el = statusEl(item) || document.querySelector("[data-queue-pending]");
    if (!el) return;
    el.textContent = text;
    el.classList.remove("error", "pending");
    if (cls) el.classList.add(cls);
  }

  function bump(item, sign) {
    (item.bump || "").split(/\s+/).forEach(function (sel) {
      if (!sel) return;
      var el = document.querySelector(sel);
      if (!el) return;
      var n = parseInt(el.textContent, 10);
      if (!isNaN(n)) el.textContent = String(Math.max(0, n + sign * (item.delta || 1)));
    });
  }

  function showPending() {
    var n = forPage(load()).length;
    document.querySelectorAll("[data-queue-pending]").forEach(function (el) {
      el.textContent = n ? "未送信 " + n + "件（端末に保存中）" : "";
      el.hidden = !n;
    });
    return n;
  }

  function reapplyPending() {
    forPage(load()).forEach(function (it) { bump(it, 1); });
    showPending();
  }

  function scheduleRetry() {
    if (timer) return;
    timer = window.setTimeout(function () { timer = null; flush(); }, RETRY_MS);
  }

  function drop(key) {
    save(load().filter(function (it) { return it.key !== key; }));
  }

  function flush() {
    if (sending) return;
    var items = forPage(load());
    if (!items.length) { showPending(); return; }
    var item = items[0];
    var body = new FormData();
    item.fields.forEach(function (kv) { body.append(kv[0], kv[1]); });
    body.append("key", item.key);
    body.append("at", item.at);
    sending = true;
    fetch(item.url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true", "HX-Current-URL": window.location.href }
    }).then(function (response) {
      sending = false;
      if (window.madoguchiNet && window.madoguchiNet.followRedirect(response)) {
        // Session ended: the taps stay on the tablet and go out after logging in.
        say(item, "ログインの有効期限が切れました。ログイン後に未送信の記録を送信します。", "pending");
        return;
      }
      if (response.status >= 500 || response.status === 429) {
        say(item, "サーバーに記録できませんでした（" + response.status + "）。端末に保存し、自動で再送します。", "error");
        showPending();
        scheduleRetry();
        return;
      }
      if (response.status === 403) {
        say(item, "この端末からは記録できません（403：権限または画面の有効期限）。画面を再読み込みしてください。未送信の記録は端末に残っています。", "error");
        showPending();
        return;
      }
      return response.text().then(function (html) {
        drop(item.key);
        if (response.ok) {
          var target = document.querySelector(item.target);
          if (target && window.htmx) {
            window.htmx.swap(target, html, { swapStyle: "outerHTML" });
            reapplyPending();
          }
        } else {
          // A refused entry (4xx) would be refused again: it leaves the queue with a visible reason.
          say(item, "記録できなかった操作があります（" + response.status + "）。画面を再読み込みして確認してください。", "error");
        }
        if (window.madoguchiNet) window.madoguchiNet.hide();
        flush();
      });
    }, function () {
      sending = false;
      var n = showPending();
      say(item, "通信できません。" + n + "件を端末に保存しました。接続が戻ると自動で送信します。", "pending");
      scheduleRetry();
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-queue]")) return;
    event.preventDefault();
    var submitter = event.submitter || null;
    var fields = [];
    new FormData(form, submitter).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken") fields.push([name, String(value)]);
    });
    var item = {
      key: newKey(),
      at: localIso(new Date()),
      url: form.action,
      fields: fields,
      target: form.getAttribute("data-queue-target"),
      status: form.getAttribute("data-queue-status"),
      bump: submitter ? submitter.getAttribute("data-bump") || "" : "",
      delta: submitter ? parseInt(submitter.getAttribute("data-bump-delta") || "1", 10) : 1
    };
    var items = load();
    items.push(item);
    save(items);
    bump(item, 1);
    showPending();
    flush();
  }, true);

  window.addEventListener("online", flush);
  window.addEventListener("storage", function (event) { if (event.key === STORE) showPending(); });
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("form[data-queue]")) return;
    reapplyPending();
    flush();
  });
  window.madoguchiQueue = { pending: function () { return forPage(load()).length; }, flush: flush };
})();

// Kiosk mode for tablet pages (body.tablet): the header, menu and footer go away and the page asks for full
// screen. The choice is kept on the tablet (localStorage), so the board opens as a kiosk after a reload or a
// login; the 「全画面を終了」 button (always on screen) leaves it.
(function () {
  "use strict";
  var KEY = "madoguchi.kiosk";

  function apply(on) {
    document.body.classList.toggle("kiosk", on);
    document.querySelectorAll("[data-kiosk-toggle]").forEach(function (b) {
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.textContent = on ? "全画面を終了" : "全画面（キオスク）";
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-kiosk-toggle]");
    if (!button) return;
    var on = !document.body.classList.contains("kiosk");
    window.localStorage.setItem(KEY, on ? "1" : "0");
    apply(on);
    var root = document.documentElement;
    if (on && root.requestFullscreen && !document.fullscreenElement) {
      root.requestFullscreen().catch(function () { /* refused (no gesture, iframe): the kiosk layout stays */ });
    } else if (!on && document.fullscreenElement && document.exitFullscreen) {
      document.exitFullscreen();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.body.classList.contains("tablet")) return;
    apply(window.localStorage.getItem(KEY) === "1");
  });
})();
