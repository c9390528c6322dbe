// Submits the form_post authorization response at once (the page also works without it).
document.getElementById("response").submit();
