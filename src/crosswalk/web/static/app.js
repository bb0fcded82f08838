// Crosswalk's only script: table filters, drag-and-drop upload, live checks. No build step.
(function () {
  "use strict";
  var csrf = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  // <input data-filter="TABLE_ID">: hide rows that do not contain the text typed.
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.dataset.filter);
    if (!table) return;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.classList.toggle("hidden", needle !== "" && row.textContent.toLowerCase().indexOf(needle) === -1);
      });
    });
  });

  // <div class="dropzone" data-input="FILE_INPUT_ID">: drop a file onto it to choose it.
  document.querySelectorAll(".dropzone").forEach(function (zone) {
    var input = document.getElementById(zone.dataset.input);
    var label = zone.querySelector(".dropzone-file");
    if (!input) return;
    function show() { if (label) label.textContent = input.files.length ? input.files[0].name : ""; }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.remove("over"); });
    });
    zone.addEventListener("drop", function (event) {
      if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; show(); }
    });
    zone.addEventListener("click", function () { input.click(); });
    input.addEventListener("change", show);
  });

  // <form data-check="URL">: ask the server to validate the form as it is filled in;
  // the messages appear in [data-check-output] and the submit button waits for a clean check.
  document.querySelectorAll("form[data-check]").forEach(function (form) {
    var output = form.querySelector("[data-check-output]");
    var submit = form.querySelector("button[type=submit]");
    var timer = null;
    function check() {
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrf_token");
      fetch(form.dataset.check + "?" + params.toString(), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          var problems = result.problems || [];
          if (output) {
            output.textContent = problems.length ? problems.join(" ") : "Looks good.";
            output.className = "validation " + (problems.length ? "bad" : "good");
          }
          if (submit) submit.disabled = problems.length > 0;
        })
        .catch(function () { if (submit) submit.disabled = false; });
    }
    form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(check, 150); });
    form.addEventListener("change", check);
    check();
  });

  // A control picker on a big program: suggestions fetched for the last id being typed
  // (without JavaScript the field still takes ids typed in full, separated by commas).
  document.querySelectorAll("datalist[data-suggest]").forEach(function (list) {
    var input = document.querySelector("input[list='" + list.id + "']");
    if (!input) return;
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var typed = input.value.split(",").pop().trim();
        if (typed.length < 2) return;
        fetch(list.dataset.suggest + "?per_page=20&q=" + encodeURIComponent(typed), { headers: { "Accept": "application/json" }, credentials: "same-origin" })
          .then(function (response) { return response.json(); })
          .then(function (result) {
            list.textContent = "";
            (result.controls || []).forEach(function (control) {
              var option = document.createElement("option");
              option.value = control.control_id;
              option.textContent = control.control_id + " \u2014 " + control.title;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 150);
    });
  });

  // Buttons that call the JSON API (e.g. untag) send the session's CSRF token as a header.
  window.crosswalkFetch = function (url, options) {
    options = options || {};
    options.headers = Object.assign({ "X-CSRF-Token": csrf, "Accept": "application/json" }, options.headers || {});
    options.credentials = "same-origin";
    return fetch(url, options);
  };
})();
