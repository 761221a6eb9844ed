// madoguchi's one htmx error layer (loaded by base.html; no inline scripts: CSP).
// - network failure / timeout / 5xx: a visible banner (#net-error, role=alert) with 「再試行」 that sends the same
//   request again; status lines that said 「…記録しました」 are cleared, so a stale success never stays on screen;
// - session expiry: the server answers htmx requests of a logged-out user with HX-Redirect to the login page
//   (with `next`), which htmx follows; after login the user is back on the page;
// - polling: a request started by a timer (hx-trigger="every …" or "load delay…") carries X-Madoguchi-Poll: 1,
//   so the server does not count it as activity (the idle timeout still ends the session).
(function () {
  "use strict";
  var failed = null; // {verb, path, source, target, formData}

  function banner() { return document.getElementById("net-error"); }

  function clearStaleStatus() {
    // Lines that report the last write (「1件記録しました」) must not survive a failed one.
    document.querySelectorAll("[data-status]").forEach(function (el) {
      el.textContent = "";
      el.classList.remove("error");
    });
    document.querySelectorAll(".messages .message.success").forEach(function (el) { el.remove(); });
  }

  function show(text, retry) {
    var box = banner();
    if (!box) return;
    box.querySelector(".net-error-text").textContent = text;
    box.querySelector(".net-retry").hidden = !retry;
    box.hidden = false;
  }

  function hide() {
    var box = banner();
    if (box) box.hidden = true;
    failed = null;
  }

  function isPoll(elt) {
    var trigger = (elt && elt.getAttribute && elt.getAttribute("hx-trigger")) || "";
    return /(^|[\s,])every\s/.test(trigger) || (elt && elt.hasAttribute && elt.hasAttribute("data-poll"));
  }

  function remember(detail) {
    var cfg = detail.requestConfig || {};
    failed = {
      verb: (cfg.verb || "get").toUpperCase(),
      path: cfg.path || (detail.pathInfo && detail.pathInfo.requestPath),
      source: cfg.elt || detail.elt,
      target: detail.target || cfg.target,
      formData: cfg.formData
    };
  }

  window.madoguchiNet = {
    show: show,
    hide: hide,
    clearStaleStatus: clearStaleStatus,
    // Used by the counter queue too: a fetch() that meets HX-Redirect follows it the way htmx does.
    followRedirect: function (response) {
      var to = response.headers.get("HX-Redirect");
      if (to) { window.location.href = to; return true; }
      return false;
    }
  };

  document.addEventListener("htmx:configRequest", function (event) {
    if (isPoll(event.detail.elt)) event.detail.headers["X-Madoguchi-Poll"] = "1";
  });

  document.addEventListener("htmx:sendError", function (event) {
    var poll = isPoll(event.detail.elt);
    if (!poll) { remember(event.detail); clearStaleStatus(); }
    show(poll
      ? "自動更新ができません（ネットワークに接続できません）。接続が戻ると自動で再開します。"
      : "通信できませんでした（ネットワークに接続できません）。この操作は記録されていません。接続を確認して「再試行」を押してください。",
      !poll);
  });

  document.addEventListener("htmx:timeout", function (event) {
    remember(event.detail);
    clearStaleStatus();
    show("サーバーからの応答がありません（時間切れ）。この操作は記録されていない可能性があります。「再試行」を押してください。", true);
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var status = xhr ? xhr.status : 0;
    var poll = isPoll(event.detail.elt);
    if (!poll) clearStaleStatus();
    if (status >= 500) {
      if (!poll) remember(event.detail);
      show("サーバーでエラーが発生しました（" + status + "）。この操作は記録されていない可能性があります。" +
        (poll ? "自動更新は続けます。" : "「再試行」を押すか、少し待ってからやり直してください。"), !poll);
    } else if (status === 403) {
      show("この操作は許可されていません（403）。画面を再読み込みしてから、もう一度お試しください。", false);
    } else if (status === 404) {
      show("対象が見つかりません（404）。画面を再読み込みしてください。", false);
    } else {
      show("送信内容を受け付けられませんでした（" + status + "）。画面を再読み込みしてからやり直してください。", false);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var xhr = event.detail.xhr;
    if (event.detail.successful && xhr && xhr.status < 400) {
      var box = banner();
      // A successful poll does not hide a failure of the user's own write: only a write (or retry) does.
      if (box && !box.hidden && (!failed || !isPoll(event.detail.elt))) hide();
    }
  });

  document.addEventListener("click", function (event) {
    var retry = event.target.closest("#net-error .net-retry");
    if (retry && failed && window.htmx) {
      var f = failed;
      hide();
      window.htmx.ajax(f.verb, f.path, { source: f.source, target: f.target, values: f.formData });
      return;
    }
    if (event.target.closest("#net-error .net-dismiss")) hide();
  });
})();
