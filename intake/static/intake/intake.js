// Shows a follow-up question only when its parent question is answered "yes".
// The server checks the same rule, so the form also works without this script.
(function () {
  "use strict";
  function wrapperOf(el) {
    return el.closest("[id^='div_id_']") || el.closest(".mb-3") || el.parentElement;
  }
  function parentValue(name) {
    var checked = document.querySelector("input[name='" + name + "']:checked");
    return checked ? checked.value : "";
  }
  function refresh() {
    var seen = {};
    document.querySelectorAll("[data-follow-up-of]").forEach(function (el) {
      var wrapper = wrapperOf(el);
      if (!wrapper || seen[el.name]) { return; }
      seen[el.name] = true;
      var show = parentValue(el.getAttribute("data-follow-up-of")) === "yes";
      wrapper.hidden = !show;
    });
  }
  document.addEventListener("change", function (event) {
    if (event.target && event.target.type === "radio") { refresh(); }
  });
  document.addEventListener("DOMContentLoaded", refresh);
})();
