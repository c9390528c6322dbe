// Copy buttons: a button with data-copy="ID" (hidden until this script runs, so pages work
// without JavaScript) copies the text of element ID, one line per list item, and says so in
// the nearby [data-copy-status] element.
"use strict";
(function () {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) return;
    var status = button.parentElement.querySelector("[data-copy-status]");
    button.hidden = false;
    button.addEventListener("click", function () {
      var lines = Array.prototype.map.call(source.querySelectorAll("li"), function (li) {
        return li.textContent.trim();
      });
      var text = lines.length ? lines.join("\n") : source.textContent.trim();
      navigator.clipboard.writeText(text + "\n").then(function () {
        if (status) status.textContent = button.getAttribute("data-copied") || "";
      }, function () {
        if (status) status.textContent = "";
      });
    });
  });
})();
