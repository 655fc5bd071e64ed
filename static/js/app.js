// The app's only script, loaded from our own origin (the Content-Security-Policy refuses
// inline scripts and on…= handlers). Every page works without it; it only adds comfort.
//
// data-confirm="Question?" on a form asks before the form is sent; on a submit button it asks
// only when that button sends the form. data-select-on-focus selects a field's text on focus,
// data-select-on-load as soon as the page is shown. A button with data-copy-target="ID" (hidden
// until this script shows it) copies that field's value to the clipboard; it says so with its
// data-copied-label, or selects the field and shows data-copy-failed-label when it cannot.
//
// The charter page's [data-live-url] (templates/charters/_live.html) is polled every
// data-poll-seconds while the tab is visible, with If-None-Match: a 304 means nothing changed;
// a 200 says who else is here and what others changed since the page was loaded (the banner).
// "Show the changes" reloads the page after saving what the reader typed (text fields, open
// <details>, scroll position) in sessionStorage; the reloaded page puts it back.
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var button = event.submitter;
    var question =
      (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  document.addEventListener("focusin", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-select-on-focus")) {
      field.select();
    }
  });

  function say(button, text) {
    var state = document.getElementById("copy-state");
    if (state && text) {
      state.textContent = text;
    }
    if (text) {
      button.textContent = text;
    }
  }

  function copyFrom(button) {
    var field = document.getElementById(button.getAttribute("data-copy-target"));
    if (!field) {
      return;
    }
    var fallback = function () {
      field.focus();
      field.select();
      var copied = false;
      try {
        copied = document.execCommand("copy");
      } catch (error) {
        copied = false;
      }
      say(
        button,
        copied ? button.getAttribute("data-copied-label") : button.getAttribute("data-copy-failed-label")
      );
    };
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(field.value).then(function () {
        field.select();
        say(button, button.getAttribute("data-copied-label"));
      }, fallback);
    } else {
      fallback();
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy-target]");
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });

  // ------------------------------------------------------------ typed text kept over a reload

  var KEPT_KEY = "reciproque.kept:" + window.location.pathname;

  function fieldKey(field, index) {
    return field.id ? "#" + field.id : (field.form ? field.form.action : "") + "|" + field.name + "|" + index;
  }

  function typedFields() {
    return Array.prototype.slice.call(
      document.querySelectorAll("main textarea, main input[type=text], main input[type=number], main input:not([type])")
    );
  }

  function keepTyped() {
    var kept = { fields: {}, open: [], scroll: window.scrollY };
    typedFields().forEach(function (field, index) {
      if (field.value && field.value !== field.defaultValue) {
        kept.fields[fieldKey(field, index)] = field.value;
      }
    });
    document.querySelectorAll("main details").forEach(function (details, index) {
      if (details.open) {
        kept.open.push(details.id ? "#" + details.id : String(index));
      }
    });
    try {
      window.sessionStorage.setItem(KEPT_KEY, JSON.stringify(kept));
    } catch (error) {
      return false;
    }
    return true;
  }

  function restoreTyped() {
    var raw = null;
    try {
      raw = window.sessionStorage.getItem(KEPT_KEY);
      window.sessionStorage.removeItem(KEPT_KEY);
    } catch (error) {
      return;
    }
    if (!raw) {
      return;
    }
    var kept = JSON.parse(raw);
    typedFields().forEach(function (field, index) {
      var value = kept.fields[fieldKey(field, index)];
      if (value !== undefined && !field.value) {
        field.value = value;
        var details = field.closest("details");
        if (details) {
          details.open = true;
        }
      }
    });
    document.querySelectorAll("main details").forEach(function (details, index) {
      if (kept.open.indexOf(details.id ? "#" + details.id : String(index)) !== -1) {
        details.open = true;
      }
    });
    if (kept.scroll) {
      window.scrollTo(0, kept.scroll);
    }
  }

  // ------------------------------------------------------------ presence and live updates

  function startLive(box) {
    var url = box.getAttribute("data-live-url");
    var seconds = parseFloat(box.getAttribute("data-poll-seconds")) || 5;
    var pageStatus = box.getAttribute("data-status");
    var presence = box.querySelector("[data-live-presence]");
    var banner = box.querySelector("[data-live-banner]");
    var list = box.querySelector("[data-live-changes]");
    var more = box.querySelector("[data-live-more]");
    var statusLine = box.querySelector("[data-live-status]");
    var etag = null;
    var timer = null;
    var failures = 0;
    var stopped = false;

    function show(data) {
      presence.textContent = data.present_text;
      presence.hidden = !data.present_text;
      var changed = data.changes.length > 0 || data.status !== pageStatus;
      list.textContent = "";
      data.changes.forEach(function (change) {
        var item = document.createElement("li");
        var time = document.createElement("time");
        time.dateTime = change.at;
        time.textContent = change.time;
        item.textContent = change.text + " · ";
        item.appendChild(time);
        list.appendChild(item);
      });
      list.hidden = data.changes.length === 0;
      more.hidden = !data.more;
      statusLine.textContent = data.status !== pageStatus ? data.status_text : "";
      statusLine.hidden = data.status === pageStatus;
      banner.hidden = !changed;
      seconds = data.poll_seconds || seconds;
    }

    function schedule(delay) {
      window.clearTimeout(timer);
      timer = null;
      if (!stopped && document.visibilityState === "visible") {
        timer = window.setTimeout(poll, delay * 1000);
      }
    }

    function poll() {
      var headers = { Accept: "application/json" };
      if (etag) {
        headers["If-None-Match"] = etag;
      }
      window
        .fetch(url, { headers: headers, credentials: "same-origin", cache: "no-store" })
        .then(function (response) {
          if (response.status === 304) {
            return null;
          }
          if (!response.ok) {
            // Signed out, or the charter is no longer ours to read: stop asking.
            stopped = response.status === 401 || response.status === 403 || response.status === 404;
            throw new Error(String(response.status));
          }
          etag = response.headers.get("ETag");
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          if (data) {
            show(data);
          }
          schedule(seconds);
        })
        .catch(function () {
          failures += 1;
          schedule(Math.min(60, seconds * Math.pow(2, failures)));
        });
    }

    box.querySelector("[data-live-refresh]").addEventListener("click", function () {
      keepTyped();
      window.location.reload();
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") {
        schedule(0);
      } else {
        window.clearTimeout(timer);
        timer = null;
      }
    });
    schedule(seconds);
  }

  function ready() {
    restoreTyped();
    var live = document.querySelector("[data-live-url]");
    if (live && window.fetch) {
      startLive(live);
    }
    document.querySelectorAll("[data-copy-target][hidden]").forEach(function (button) {
      button.hidden = false;
    });
    var field = document.querySelector("[data-select-on-load]");
    if (field) {
      field.focus();
      field.select();
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
