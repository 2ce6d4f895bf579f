// Progressive enhancement only: every page works without JavaScript.
// A refused form's error summary takes the keyboard focus, so that screen readers announce it (GOV.UK
// pattern); a link in it moves the focus to its field, not only the scroll position.
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) {
    return;
  }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var target = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!target) {
      return;
    }
    event.preventDefault();
    var details = target.closest("details");
    if (details) {
      details.open = true;
    }
    target.scrollIntoView({block: "center"});
    target.focus({preventScroll: true});
  });
})();
