// The app's only script, loaded from our own origin (the Content-Security-Policy refuses
// inline scripts and on…= handlers). Every page works without it; it only adds comfort.
//
// data-confirm="Question?" on a form asks before the form is sent; on a submit button it asks
// only when that button sends the form. data-select-on-focus selects a field's text on focus.
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
})();
