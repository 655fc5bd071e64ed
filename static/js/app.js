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
