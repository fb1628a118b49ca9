// Progressive enhancement only: every form and link works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // The token counter carries a copy of the inputs for browsers without JavaScript; with htmx it sends
  // the live form instead (hx-include), so the stale copy must go.
  document.querySelectorAll("[data-nojs-mirror]").forEach(function (node) {
    node.remove();
  });
});

// A request in flight marks the results as busy for assistive technology and for the CSS dimming.
document.addEventListener("htmx:beforeRequest", function (event) {
  var results = document.getElementById("results");
  if (results && event.target && event.target.id === "estimate-form") {
    results.setAttribute("aria-busy", "true");
  }
});
document.addEventListener("htmx:afterSettle", function () {
  var results = document.getElementById("results");
  if (results) {
    results.removeAttribute("aria-busy");
  }
});
