// Continues after the front-channel logout frames have loaded (window "load" waits for
// them), or after a few seconds if one hangs; without this script the page shows a link.
(function () {
  var next = document.getElementById("next-action");
  if (!next) return;
  var gone = false;
  function go() {
    if (gone) return;
    gone = true;
    window.location.assign(next.href);
  }
  if (document.readyState === "complete") {
    go();
  } else {
    window.addEventListener("load", go);
  }
  window.setTimeout(go, 5000);
})();
