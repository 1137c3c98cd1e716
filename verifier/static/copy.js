// Copy buttons for the embed snippets on certificate pages. The buttons stay hidden
// where the clipboard API is missing; the snippets can still be selected by hand.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) {
        return;
      }
      navigator.clipboard.writeText(source.value).then(function () {
        button.classList.add("copied");
      });
    });
  });
})();
