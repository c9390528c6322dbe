// The built-in CAPTCHA: finds a counter such that SHA-256("<challenge>:<counter>") starts with
// the number of zero bits the challenge names, and puts it in the form. The form is held back
// until the work is done, then sent.
"use strict";
(function () {
  function zeroBits(bytes, bits) {
    for (var i = 0; bits > 0; i++) {
      var need = Math.min(bits, 8);
      if (bytes[i] >> (8 - need) !== 0) return false;
      bits -= need;
    }
    return true;
  }

  // The status texts come from the page (in its language), with English as the fallback.
  function text(status, name, fallback) {
    return (status && status.getAttribute("data-text-" + name)) || fallback;
  }

  async function solve(challenge, bits, status) {
    var enc = new TextEncoder();
    var counter = 0;
    for (;;) {
      // A batch at a time, so the page stays responsive.
      var batch = [];
      for (var i = 0; i < 500; i++, counter++) {
        batch.push(crypto.subtle.digest("SHA-256", enc.encode(challenge + ":" + counter)));
      }
      var digests = await Promise.all(batch);
      for (var j = 0; j < digests.length; j++) {
        if (zeroBits(new Uint8Array(digests[j]), bits)) return String(counter - digests.length + j);
      }
      if (status) status.textContent = text(status, "checking", "Checking your browser…") + " (" + counter + ")";
    }
  }

  document.querySelectorAll("form").forEach(function (form) {
    var input = form.querySelector("[data-pow-challenge]");
    if (!input) return;
    var out = form.querySelector("input[name=pow_solution]");
    var status = form.querySelector("[data-pow-status]");
    var challenge = input.value;
    var bits = parseInt(challenge.split(".")[1], 10) || 0;
    var done = false;
    var wanted = false;
    if (status) status.textContent = text(status, "checking", "Checking your browser…");
    solve(challenge, bits, status).then(function (solution) {
      out.value = solution;
      done = true;
      form.setAttribute("data-pow-done", "true");
      if (status) status.textContent = text(status, "done", "Done");
      if (wanted) form.requestSubmit ? form.requestSubmit() : form.submit();
    });
    form.addEventListener("submit", function (event) {
      if (!done) {
        event.preventDefault();
        wanted = true;
        if (status) status.textContent = text(status, "waiting", "Checking your browser… the form is sent when done.");
      }
    });
  });
})();
