// The app's only script, loaded from our own origin (the Content-Security-Policy refuses
// inline scripts and on…= handlers). Every page works without it; it only adds comfort.
//
// data-confirm="Question?" on a form asks before the form is sent; on a submit button it asks
// only when that button sends the form. data-select-on-focus selects a field's text on focus,
// data-select-on-load as soon as the page is shown. A button with data-copy-target="ID" (hidden
// until this script shows it) copies that field's value to the clipboard; it says so with its
// data-copied-label, or selects the field and shows data-copy-failed-label when it cannot.
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

  function ready() {
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
