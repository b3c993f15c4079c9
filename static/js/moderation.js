// Staff pages. Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // A page showing work in progress (a bulk invalidation) reloads itself until it is done.
  var working = document.querySelector("[data-refresh-seconds]");
  if (working) {
    var seconds = parseInt(working.getAttribute("data-refresh-seconds"), 10) || 3;
    window.setTimeout(function () { window.location.reload(); }, seconds * 1000);
  }
  // Review queue: one box ticks every row.
  var all = document.querySelector("[data-check-all]");
  if (all) {
    all.addEventListener("change", function () {
      var boxes = document.querySelectorAll("input[name='" + all.getAttribute("data-check-all") + "']");
      for (var i = 0; i < boxes.length; i++) { boxes[i].checked = all.checked; }
    });
  }
})();
