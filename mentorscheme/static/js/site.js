// Progressive enhancement only: every page works without this file.
// Move focus to a form's error summary so screen-reader users hear what went wrong.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector(".error-summary");
  if (summary) summary.focus();
});
