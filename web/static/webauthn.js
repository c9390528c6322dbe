// Passkeys: a form with data-passkey="create" or "get" and data-begin="<url>" asks the server
// for options (POST, the form's csrf and other fields), runs the browser's WebAuthn ceremony,
// puts the ceremony id and the JSON result in the form, and submits it.
"use strict";
(function () {
  function fromB64u(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }
  function toB64u(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function creationOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    pk.user.id = fromB64u(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = fromB64u(c.id); });
    return o;
  }
  function requestOptions(o) {
    var pk = o.publicKey;
    pk.challenge = fromB64u(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = fromB64u(c.id); });
    return o;
  }
  function created(c) {
    return {
      id: c.id, rawId: toB64u(c.rawId), type: c.type,
      extensions: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: {
        attestationObject: toB64u(c.response.attestationObject),
        clientDataJSON: toB64u(c.response.clientDataJSON),
        transports: c.response.getTransports ? c.response.getTransports() : []
      }
    };
  }
  function asserted(c) {
    return {
      id: c.id, rawId: toB64u(c.rawId), type: c.type,
      extensions: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: {
        authenticatorData: toB64u(c.response.authenticatorData),
        clientDataJSON: toB64u(c.response.clientDataJSON),
        signature: toB64u(c.response.signature),
        userHandle: c.response.userHandle ? toB64u(c.response.userHandle) : null
      }
    };
  }
  document.querySelectorAll("form[data-passkey]").forEach(function (form) {
    var status = form.querySelector("[data-passkey-status]");
    form.addEventListener("submit", function (event) {
      if (form.querySelector("input[name=credential]").value) return;
      event.preventDefault();
      var kind = form.getAttribute("data-passkey");
      // The status texts come from the page (in its language), with English as the fallback.
      var say = function (name, fallback) {
        return (status && status.getAttribute("data-text-" + name)) || fallback;
      };
      if (status) status.textContent = say("waiting", "Waiting for your passkey…");
      fetch(form.getAttribute("data-begin"), {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(new FormData(form))
      }).then(function (r) {
        if (!r.ok) throw new Error("the server refused (" + r.status + ")");
        return r.json();
      }).then(function (begun) {
        form.querySelector("input[name=ceremony]").value = begun.ceremony;
        return kind === "create"
          ? navigator.credentials.create(creationOptions(begun.options)).then(created)
          : navigator.credentials.get(requestOptions(begun.options)).then(asserted);
      }).then(function (result) {
        form.querySelector("input[name=credential]").value = JSON.stringify(result);
        form.submit();
      }).catch(function (e) {
        if (status) status.textContent = say("failed", "The passkey did not work:") + " " + e.message;
      });
    });
  });
})();
