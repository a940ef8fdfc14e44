/* Upload limits checked before sending: a file input with data-max-bytes refuses a file
   that is too large, says so beside the field and keeps the form from being sent (the
   server checks again and answers on the same form). Same-origin file: the CSP allows it. */
(function () {
  "use strict";
  var SELECTOR = "input[type=file][data-max-bytes]";

  function check(input) {
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    var files = input.files || [];
    var tooLarge = false;
    for (var i = 0; i < files.length; i += 1) {
      if (files[i].size > max) { tooLarge = true; }
    }
    var message = tooLarge ? input.getAttribute("data-too-large") : "";
    input.setCustomValidity(message);
    input.classList.toggle("is-invalid", tooLarge);
    input.setAttribute("aria-invalid", tooLarge ? "true" : "false");
    var box = document.getElementById(input.id + "-size-error");
    if (box) {
      box.textContent = message;
      box.hidden = !tooLarge;
    }
    return !tooLarge;
  }

  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches(SELECTOR)) { check(event.target); }
  });
  document.addEventListener("submit", function (event) {
    var inputs = event.target.querySelectorAll(SELECTOR);
    for (var i = 0; i < inputs.length; i += 1) {
      if (!check(inputs[i])) {
        event.preventDefault();
        inputs[i].focus();
        return;
      }
    }
  }, true);
}());
