// ratings-to-plex web UI: small progressive enhancements over plain server-rendered forms (no framework).
// Every form works without this file; with it, choices submit themselves, sign-in continues on its own, and the
// progress bar follows the running job live (server-sent events), in every open tab.
"use strict";

(function () {
  document.documentElement.classList.add("js");

  // A file over the upload limit is refused here, before it is sent (the server refuses it too).
  function tooBig(el) {
    var max = Number(el.getAttribute("data-max-bytes") || 0);
    var file = el.files && el.files[0];
    if (!max || !file || file.size <= max) { return false; }
    problem(file.name + " is larger than the " + el.getAttribute("data-limit-text") + " upload limit.");
    el.value = "";
    return true;
  }

  function problem(text) {
    var box = document.getElementById("too-big");
    if (box) { box.textContent = text; box.classList.remove("hidden"); }
  }

  // A chosen file is uploaded at once, without leaving the page (choices made meanwhile stay as they are);
  // the detected format shows and Preview becomes available.
  function upload(el) {
    var form = el.form;
    var detected = document.getElementById("detected");
    var preview = document.querySelector("[data-testid=preview]");
    if (detected) { detected.textContent = "Reading " + el.files[0].name + "…"; detected.classList.remove("hidden"); }
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (answer.error) {
          problem(answer.error);
          if (detected) { detected.classList.add("hidden"); }
          if (preview) { preview.disabled = true; }
          return;
        }
        var box = document.getElementById("too-big");
        if (box) { box.classList.add("hidden"); }
        if (detected) { detected.textContent = answer.detected; }
        var note = document.getElementById("no-source");
        if (note) { note.remove(); }
        if (preview && !preview.getAttribute("data-busy")) { preview.disabled = false; }
      })
      .catch(function () { problem("The upload did not reach the server: check the connection and try again."); });
  }

  // Selects marked data-autosubmit submit their form when they change; a file input uploads itself.
  document.querySelectorAll("[data-autosubmit]").forEach(function (el) {
    el.addEventListener("change", function () {
      if (el.type === "file") {
        if (!tooBig(el) && el.files && el.files[0] && window.fetch && window.FormData) { upload(el); }
        return;
      }
      if (el.form) { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); }
    });
  });

  // The preview filter box filters as you type (after a short pause).
  var search = document.querySelector("[data-testid=preview-search]");
  if (search && search.form) {
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { search.form.submit(); }, 400);
    });
    if (search.value) { search.focus(); search.setSelectionRange(search.value.length, search.value.length); }
  }

  // A button is pressed once: disable it while its form is on its way (no double writes).
  document.querySelectorAll("form[method=post]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });

  // The Home user picker: the PIN field only while a PIN-protected user is chosen.
  var who = document.querySelector("[data-testid=user]");
  if (who) {
    var pinShown = function () {
      var option = who.options[who.selectedIndex];
      var wanted = option && option.getAttribute("data-protected") === "yes";
      document.querySelectorAll(".pin-part").forEach(function (el) { el.classList.toggle("hidden", !wanted); });
    };
    who.addEventListener("change", pinShown);
    pinShown();
  }

  // PIN sign-in: ask the server (which polls plex.tv) until the sign-in is approved, refused or expired.
  var pin = document.querySelector("[data-pin-state=waiting]");
  if (pin) {
    var status = document.getElementById("pin-status");
    var poll = function () {
      fetch("/signin/status", { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          var shown = document.querySelector("[data-testid=signin-pin-link]") !== null;
          if (s.state !== "waiting" || (s.has_link && !shown)) { window.location.reload(); return; }
          if (status && shown && s.seconds_left) { status.textContent = "Waiting for approval… (" + s.seconds_left + " s left)"; }
          setTimeout(poll, 1000);
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 1000);
  }

  // Live progress of this server's write job: every tab listens; a job starting or ending refreshes the page.
  var job = document.getElementById("job");
  if (job && window.EventSource && document.querySelector("[data-testid=server]")) {
    var shown = job.getAttribute("data-job") || "";
    var active = job.getAttribute("data-state") === "running" || job.getAttribute("data-state") === "cancelling";
    var source = new EventSource("/events");
    var bar = job.querySelector("progress");
    var text = document.getElementById("progress-text");
    source.addEventListener("progress", function (e) {
      var p = JSON.parse(e.data);
      if (String(p.job) !== shown) { source.close(); window.location.reload(); return; }
      if (bar) { bar.max = Math.max(1, p.total); bar.value = p.done; bar.textContent = p.done + " / " + p.total; }
      if (text) { text.textContent = p.text; }
    });
    source.addEventListener("end", function (e) {
      var p = JSON.parse(e.data);
      if (active || String(p.job) !== shown) { source.close(); window.location.reload(); }
    });
    window.addEventListener("beforeunload", function () { source.close(); });
  }
})();
