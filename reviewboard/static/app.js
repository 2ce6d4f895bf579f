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

// A record being issued: the page says so with a refresh link. Here the page asks again every few seconds
// and, once the record is there, the notice says so and links to it (no reload: a half-filled form stays).
(function () {
  "use strict";
  var notice = document.querySelector("[data-record-issuing]");
  if (!notice || !window.fetch) {
    return;
  }
  var tries = 0;
  function check() {
    tries += 1;
    fetch(window.location.href, {credentials: "same-origin"}).then(function (response) {
      return response.ok ? response.text() : "";
    }).then(function (html) {
      if (html && html.indexOf("data-record-failed") !== -1) {
        notice.classList.replace("alert-info", "alert-danger");
        notice.querySelector("[data-record-issuing-text]").textContent = "The record could not be issued.";
        notice.querySelector("a").textContent = "Show why";
      } else if (html && html.indexOf("data-record-issuing") === -1) {
        notice.classList.replace("alert-info", "alert-success");
        notice.querySelector("[data-record-issuing-text]").textContent = "The signed record is ready.";
        notice.querySelector("a").textContent = "Show it";
      } else if (tries < 40) {
        window.setTimeout(check, 3000);
      }
    });
  }
  window.setTimeout(check, 2000);
})();
