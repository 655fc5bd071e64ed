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
// "Show the changes" reloads the page after saving what the reader typed or chose (text
// fields, selects, boxes, open <details>, scroll position) in sessionStorage; the reloaded
// page puts it back.
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

  // Which field is which across the reload: its id, else its form, name (and value, for a
  // box among several) and rank among the fields of that form and name.
  function fieldKeys(fields) {
    var seen = {};
    return fields.map(function (field) {
      if (field.id) {
        return "#" + field.id;
      }
      var base = (field.form ? field.form.getAttribute("action") : "") + "|" + field.name;
      if (field.type === "checkbox" || field.type === "radio") {
        return base + "|" + field.value;
      }
      seen[base] = (seen[base] || 0) + 1;
      return base + "|" + seen[base];
    });
  }

  function keptFields() {
    return Array.prototype.slice.call(
      document.querySelectorAll(
        "main textarea, main select, main input:not([type]), main input[type=text], " +
          "main input[type=number], main input[type=email], main input[type=url], " +
          "main input[type=date], main input[type=search], main input[type=checkbox], " +
          "main input[type=radio]"
      )
    );
  }

  function isBox(field) {
    return field.type === "checkbox" || field.type === "radio";
  }

  function changedValue(field) {
    if (isBox(field)) {
      return field.checked !== field.defaultChecked ? field.checked : undefined;
    }
    if (field.tagName === "SELECT") {
      var changed = Array.prototype.some.call(field.options, function (option) {
        return option.selected !== option.defaultSelected;
      });
      return changed ? field.value : undefined;
    }
    return field.value && field.value !== field.defaultValue ? field.value : undefined;
  }

  function keepTyped() {
    var kept = { fields: {}, open: [], scroll: window.scrollY };
    var fields = keptFields();
    var keys = fieldKeys(fields);
    fields.forEach(function (field, index) {
      var value = changedValue(field);
      if (value !== undefined) {
        kept.fields[keys[index]] = value;
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
    var fields = keptFields();
    var keys = fieldKeys(fields);
    fields.forEach(function (field, index) {
      var value = kept.fields[keys[index]];
      if (value === undefined) {
        return;
      }
      if (isBox(field)) {
        field.checked = value;
      } else if (field.tagName === "SELECT" || !field.value) {
        field.value = value;
      }
      var details = field.closest("details");
      if (details) {
        details.open = true;
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
      var changed = data.stale || data.changes.length > 0 || data.status !== pageStatus;
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

// Mentions: a textarea with data-mentions="URL" offers the charter's people when the writer
// types "@" (the list comes once from URL, JSON {"people": [{"name": …}]}, readers only). It
// narrows as they type (accents and case ignored, any word of the name); arrow keys move,
// Enter or Tab inserts "@Name ", Escape closes. Without the script "@Name" typed by hand works
// the same: the server reads the mentions (charters/telling.py).
(function () {
  "use strict";

  var lists = {};
  var MAX = 8;

  function people(url) {
    if (!lists[url]) {
      lists[url] = fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { people: [] }; })
        .then(function (data) { return data.people || []; })
        .catch(function () { return []; });
    }
    return lists[url];
  }

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // The "@…" being typed just before the caret, or null.
  function token(field) {
    var before = field.value.slice(0, field.selectionStart);
    var match = /(^|\s)@([^@\n]{0,40})$/.exec(before);
    if (!match || (match[2].match(/ /g) || []).length > 2) {
      return null;
    }
    return { start: before.length - match[2].length - 1, query: match[2] };
  }

  function matches(name, query) {
    var folded = fold(name);
    var q = fold(query);
    return !q || folded.indexOf(q) === 0 || folded.indexOf(" " + q) >= 0 || folded.indexOf("-" + q) >= 0;
  }

  function listFor(field) {
    var list = document.getElementById(field.id + "-mentions");
    if (!list) {
      list = document.createElement("ul");
      list.id = field.id + "-mentions";
      list.className = "mentions-list";
      list.setAttribute("role", "listbox");
      list.setAttribute("aria-label", field.getAttribute("data-mentions-label") || "@");
      list.hidden = true;
      field.insertAdjacentElement("afterend", list);
      field.setAttribute("aria-controls", list.id);
      field.setAttribute("aria-autocomplete", "list");
      list.addEventListener("mousedown", function (event) {
        var option = event.target.closest("[role=option]");
        if (option) {
          event.preventDefault(); // keep the focus in the textarea
          insert(field, option.getAttribute("data-name"));
        }
      });
    }
    return list;
  }

  function close(field) {
    var list = document.getElementById(field.id + "-mentions");
    if (list) {
      list.hidden = true;
      list.textContent = "";
    }
    field.removeAttribute("aria-activedescendant");
  }

  function select(field, list, index) {
    var options = list.querySelectorAll("[role=option]");
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    if (options[index]) {
      field.setAttribute("aria-activedescendant", options[index].id);
    }
  }

  function show(field, names) {
    var list = listFor(field);
    list.textContent = "";
    names.forEach(function (name, i) {
      var option = document.createElement("li");
      option.id = field.id + "-mention-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("data-name", name);
      option.textContent = name;
      list.appendChild(option);
    });
    list.hidden = names.length === 0;
    if (names.length) {
      select(field, list, 0);
    } else {
      field.removeAttribute("aria-activedescendant");
    }
  }

  function insert(field, name) {
    var found = token(field);
    if (!found) {
      return;
    }
    var after = field.value.slice(field.selectionStart);
    var text = "@" + name + " ";
    field.value = field.value.slice(0, found.start) + text + after;
    var caret = found.start + text.length;
    field.setSelectionRange(caret, caret);
    close(field);
    field.focus();
  }

  document.addEventListener("input", function (event) {
    var field = event.target;
    if (!field.hasAttribute || !field.hasAttribute("data-mentions")) {
      return;
    }
    var found = token(field);
    if (!found) {
      close(field);
      return;
    }
    people(field.getAttribute("data-mentions")).then(function (all) {
      var now = token(field);
      if (!now || now.start !== found.start) {
        return;
      }
      var names = all
        .map(function (person) { return person.name; })
        .filter(function (name) { return matches(name, now.query); })
        .slice(0, MAX);
      show(field, names);
    });
  });

  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (!field.hasAttribute || !field.hasAttribute("data-mentions")) {
      return;
    }
    var list = document.getElementById(field.id + "-mentions");
    if (!list || list.hidden) {
      return;
    }
    var options = Array.prototype.slice.call(list.querySelectorAll("[role=option]"));
    var current = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var step = event.key === "ArrowDown" ? 1 : -1;
      select(field, list, (current + step + options.length) % options.length);
    } else if ((event.key === "Enter" || event.key === "Tab") && current >= 0) {
      event.preventDefault();
      insert(field, options[current].getAttribute("data-name"));
    } else if (event.key === "Escape") {
      event.preventDefault();
      close(field);
    }
  });

  document.addEventListener("focusout", function (event) {
    var field = event.target;
    if (field.hasAttribute && field.hasAttribute("data-mentions")) {
      close(field);
    }
  });
})();

// The new-charter form: under the criterion select, the list of criteria (each with its
// definition, unit and target) narrows to the chosen one. Without the script every criterion
// stays listed.
(function () {
  "use strict";

  function narrow(box, select) {
    var chosen = select.value;
    box.querySelectorAll("[data-criterion]").forEach(function (item) {
      item.hidden = item.getAttribute("data-criterion") !== chosen;
    });
    box.hidden = !box.querySelector("[data-criterion]:not([hidden])");
  }

  function ready() {
    var box = document.querySelector("[data-criteria-for]");
    var select = box && document.getElementById(box.getAttribute("data-criteria-for"));
    if (!select) {
      return;
    }
    narrow(box, select);
    select.addEventListener("change", function () {
      narrow(box, select);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();

// The review meeting's action plan (templates/reviews/meeting.html): "Add an action" (hidden
// until this script shows it) adds a blank row, a copy of the <template> named by the table's
// data-row-template whose fields are named action-__key__-…, renamed with the first free key
// (new0 … new99, as the server reads them); "Remove" on a row not saved yet takes it out before
// anything is sent. Without the script the page offers a fixed number of blank rows.
(function () {
  "use strict";

  var KEY = /__key__/g;
  var MAX_ROWS = 100;

  function freeKey(plan) {
    var used = {};
    plan.querySelectorAll("tr[data-action-key]").forEach(function (row) {
      used[row.getAttribute("data-action-key")] = true;
    });
    for (var n = 0; n < MAX_ROWS; n += 1) {
      if (!used["new" + n]) {
        return "new" + n;
      }
    }
    return null;
  }

  function addRow(plan) {
    var template = document.getElementById(plan.getAttribute("data-row-template"));
    var key = freeKey(plan);
    if (!template || !key) {
      return;
    }
    var row = template.content.firstElementChild.cloneNode(true);
    row.setAttribute("data-action-key", key);
    row.querySelectorAll("[name], [id], [for]").forEach(function (field) {
      ["name", "id", "for"].forEach(function (attribute) {
        var value = field.getAttribute(attribute);
        if (value) {
          field.setAttribute(attribute, value.replace(KEY, key));
        }
      });
    });
    row.querySelectorAll("[data-remove-action]").forEach(function (button) {
      button.hidden = false;
    });
    plan.querySelector("tbody").appendChild(row);
    var first = row.querySelector("input, select");
    if (first) {
      first.focus();
    }
  }

  document.addEventListener("click", function (event) {
    if (!event.target.closest) {
      return;
    }
    var add = event.target.closest("[data-add-action]");
    if (add) {
      event.preventDefault();
      var plan = document.getElementById(add.getAttribute("data-add-action"));
      if (plan) {
        addRow(plan);
      }
      return;
    }
    var remove = event.target.closest("[data-remove-action]");
    if (remove) {
      event.preventDefault();
      var row = remove.closest("tr");
      var table = row && row.closest("table");
      if (row) {
        row.remove();
      }
      var again = table && document.querySelector("[data-add-action='" + table.id + "']");
      if (again) {
        again.focus();
      }
    }
  });

  function ready() {
    if (!document.querySelector("[data-add-action]")) {
      return;
    }
    document.querySelectorAll("[data-add-action], [data-remove-action]").forEach(function (button) {
      button.hidden = false;
    });
    document.querySelectorAll("[data-no-script]").forEach(function (hint) {
      hint.hidden = true;
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
