// KopEdu: only what htmx cannot do by itself.
// Move focus to the first field with an error after a 422 form swap, for screen readers and small screens.
document.addEventListener("htmx:afterSwap", function (event) {
  var invalid = event.detail.target.querySelector("[aria-invalid=true]");
  if (invalid) invalid.focus();
});
