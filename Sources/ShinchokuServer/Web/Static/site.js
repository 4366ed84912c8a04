// Progressive enhancement only: every page works without this script.
//
// A button marked data-once is disabled for a few seconds after its form is sent, so that a double click sends
// the form once. (The server copes with a repeated POST anyway: the form's version makes the second one a no-op.)
// The error summary, when a page has one, receives focus so that screen readers announce it.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    if (!submitter || !submitter.hasAttribute("data-once")) { return; }
    if (form.getAttribute("data-sending") === "yes") { event.preventDefault(); return; }
    form.setAttribute("data-sending", "yes");
    window.setTimeout(function () { form.removeAttribute("data-sending"); }, 5000);
  });
  // A page brought back from the browser's cache (Back) starts with its buttons live again.
  window.addEventListener("pageshow", function () {
    var sending = document.querySelectorAll("form[data-sending]");
    for (var i = 0; i < sending.length; i++) { sending[i].removeAttribute("data-sending"); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.querySelector(".error-summary");
    if (summary) { summary.focus(); }
  });
})();
