// Progressive enhancement only: every page works without this file.
// Move focus to a form's error summary so screen-reader users hear what went wrong.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});

// An allocation being worked out or sent: keep its progress line current (a polite live
// region), and show the proposal, or what was sent, once it is ready.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-progress-url]");
  if (!box || !window.fetch) return;
  var text = box.querySelector("[data-progress-text]");
  function poll() {
    fetch(box.getAttribute("data-progress-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json();
      })
      .then(function (data) {
        if (!data.running) {
          window.location.reload();
          return;
        }
        if (text && text.textContent !== data.text) text.textContent = data.text;
        window.setTimeout(poll, 3000);
      })
      .catch(function () {
        window.setTimeout(poll, 10000);
      });
  }
  window.setTimeout(poll, 3000);
});
