/* Shows and wires the "Print this handout" button (no inline script: the site's CSP forbids it). */
(function () {
  "use strict";
  document.querySelectorAll("[data-print-handout]").forEach(function (button) {
    button.addEventListener("click", function () {
      window.print();
    });
    button.hidden = false;
  });
})();
