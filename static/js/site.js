// Progressive enhancement only: every form and link works without this file.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  // The token counter carries a copy of the inputs for browsers without JavaScript; with htmx it sends
  // the live form instead (hx-include), so the stale copy must go.
  document.querySelectorAll("[data-nojs-mirror]").forEach(function (node) {
    node.remove();
  });
  markInvalidFields();
});

function estimateForm() {
  return document.getElementById("estimate-form");
}

// A field being retyped is left alone: while it is empty and has the focus, it is neither sent nor
// flagged (the last results stay as they are).
function isBeingRetyped(input) {
  return input === document.activeElement && input.tagName === "INPUT" && input.value.trim() === "";
}

document.addEventListener("htmx:confirm", function (event) {
  var trigger = event.detail.triggeringEvent;
  if (event.detail.elt !== estimateForm() || !trigger || trigger.type !== "input") {
    return;
  }
  if (trigger.target && isBeingRetyped(trigger.target)) {
    event.preventDefault();
  }
});

// After the model or the tier changes, the tier menu comes back with the results: the tiers the model
// offers, the others disabled with the reason.
document.addEventListener("htmx:configRequest", function (event) {
  var trigger = event.detail.triggeringEvent;
  var name = trigger && trigger.target && trigger.target.name;
  if (event.detail.elt === estimateForm() && (name === "model" || name === "service_tier")) {
    event.detail.headers["X-Tier-Menu"] = "1";
  }
});

// The server sends each field's message (out of band, next to the field); the field's own state follows
// it here: a red border and aria-invalid the moment its message appears, gone when it clears.
function markInvalidFields() {
  var form = estimateForm();
  if (!form) {
    return;
  }
  form.querySelectorAll(".field").forEach(function (field) {
    var input = field.querySelector("input[name]:not([type=hidden]):not([type=checkbox]), select[name]");
    if (!input) {
      return;
    }
    var message = document.getElementById("err-" + input.name);
    var hasMessage = !!message && message.textContent.trim() !== "";
    var deferred = hasMessage && isBeingRetyped(input);
    var invalid = hasMessage && !deferred;
    field.classList.toggle("has-error", invalid);
    if (message) {
      message.classList.toggle("is-deferred", deferred);
    }
    if (invalid) {
      input.setAttribute("aria-invalid", "true");
    } else {
      input.removeAttribute("aria-invalid");
    }
  });
}

document.addEventListener("htmx:afterSettle", markInvalidFields);
document.addEventListener("focusout", function (event) {
  if (event.target.closest && event.target.closest("#estimate-form")) {
    window.setTimeout(markInvalidFields, 0);
  }
});

// A link to a field (the error lists) opens the group the field is in, then moves the focus to it.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("a[href^='#id_']");
  if (!link) {
    return;
  }
  var input = document.getElementById(link.getAttribute("href").slice(1));
  if (!input) {
    return;
  }
  var group = input.closest("details");
  if (group) {
    group.open = true;
  }
  event.preventDefault();
  input.focus();
  input.scrollIntoView({ block: "center" });
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

// On a phone the verdict bar leads to the results; once the verdict itself is on screen it steps aside.
(function () {
  if (!("IntersectionObserver" in window)) {
    return;
  }
  var watched = null;
  var observer = new IntersectionObserver(function (entries) {
    var bar = document.getElementById("verdict-bar");
    if (bar) {
      bar.classList.toggle("is-hidden", entries[entries.length - 1].isIntersecting);
    }
  });
  function watch() {
    var verdict = document.getElementById("verdict");
    if (verdict && verdict !== watched) {
      if (watched) {
        observer.unobserve(watched);
      }
      observer.observe(verdict);
      watched = verdict;
    }
  }
  document.addEventListener("DOMContentLoaded", watch);
  document.addEventListener("htmx:afterSettle", watch);
})();
