/* Progressive enhancement only: every page works without this file. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /* Province → commune picker: reload communes for the chosen province, filter them by typing. */
  function initPicker(root) {
    var province = root.querySelector("[data-province]");
    var commune = root.querySelector("[data-commune]");
    var filter = root.querySelector("[data-commune-filter]");
    if (!province || !commune) return;
    var all = [];
    function fold(s) {
      return s.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
    }
    function render(items) {
      var keep = commune.value || commune.getAttribute("data-want") || "";
      commune.length = 1;
      items.forEach(function (c) {
        var o = new Option(c.name, c.code);
        if (String(c.code) === keep) o.selected = true;
        commune.add(o);
      });
    }
    function snapshot() {
      all = Array.prototype.slice.call(commune.options, 1).map(function (o) { return { code: o.value, name: o.text }; });
    }
    /* What was typed in the filter applies whenever the list changes, also when it arrives after the typing */
    function show() {
      var q = filter ? fold(filter.value.trim()) : "";
      render(q ? all.filter(function (c) { return fold(c.name).indexOf(q) !== -1; }) : all);
    }
    snapshot();
    province.addEventListener("change", function () {
      if (!province.value) { all = []; show(); return; }
      fetch("/units/communes?format=json&province=" + encodeURIComponent(province.value), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (items) { all = items; show(); });
    });
    if (filter) filter.addEventListener("input", show);
  }
  document.querySelectorAll("[data-unit-picker]").forEach(initPicker);

  /* Drafts: forms with data-draft keep what was typed in localStorage until the server accepts them. */
  function draftKey(form) { return "ocop-draft:" + form.getAttribute("data-draft"); }
  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && el.type !== "file" && el.type !== "password" &&
        el.type !== "submit" && !el.hasAttribute("data-draft-skip");
    });
  }
  function saveDraft(form) {
    var data = {};
    fields(form).forEach(function (el) {
      if (el.type === "radio") { if (el.checked) data[el.name] = el.value; }  /* the group's choice, by value */
      else data[el.name] = el.type === "checkbox" ? el.checked : el.value;
    });
    try { localStorage.setItem(draftKey(form), JSON.stringify({ at: Date.now(), data: data })); } catch (e) { /* storage full */ }
  }
  function restoreDraft(form) {
    var raw = localStorage.getItem(draftKey(form));
    if (!raw) return;
    var saved = JSON.parse(raw).data || {};
    var restored = false;
    var changed = [];
    fields(form).forEach(function (el) {
      if (!(el.name in saved)) return;
      if (el.type === "radio") { if (typeof saved[el.name] === "string") el.checked = saved[el.name] === el.value; }
      else if (el.type === "checkbox") { el.checked = saved[el.name]; }
      else if (saved[el.name] === "" || saved[el.name] === el.value) { return; }  /* nothing to bring back */
      else if (!el.value || el.hasAttribute("data-draft-prefer")) {
        el.value = saved[el.name];
        if (el.tagName === "SELECT" && el.value !== saved[el.name]) el.setAttribute("data-want", saved[el.name]);
        restored = true;
        changed.push(el);
      }
    });
    /* a restored province loads its communes; the commune saved in the draft is picked once they arrive */
    changed.forEach(function (el) { if (el.hasAttribute("data-province")) el.dispatchEvent(new Event("change")); });
    if (restored) {
      var note = document.createElement("p");
      note.className = "flash info";
      note.textContent = form.getAttribute("data-draft-restored") || "Đã khôi phục bản nháp chưa gửi.";
      form.insertBefore(note, form.firstChild);
    }
  }
  document.querySelectorAll("[data-draft-clear]").forEach(function (el) {
    try { localStorage.removeItem("ocop-draft:" + el.getAttribute("data-draft-clear")); } catch (e) { /* ignore */ }
  });
  document.querySelectorAll("form[data-draft]").forEach(function (form) {
    restoreDraft(form);
    form.addEventListener("input", function () { saveDraft(form); });
    form.addEventListener("change", function () { saveDraft(form); });
  });

  /* "Gửi lại mã sau 42 giây": the page says how long (and keeps the button disabled); this counts it down. */
  document.querySelectorAll("[data-countdown]").forEach(function (note) {
    var left = parseInt(note.getAttribute("data-countdown"), 10) || 0;
    var number = note.querySelector("[data-countdown-seconds]");
    var button = document.querySelector(note.getAttribute("data-countdown-for"));
    var timer = setInterval(function () {
      left -= 1;
      if (number) number.textContent = String(Math.max(left, 0));
      if (left <= 0) {
        clearInterval(timer);
        note.hidden = true;
        if (button) button.disabled = false;
      }
    }, 1000);
  });

  /* Cart quantities save as soon as they change (the same form the "Cập nhật" button sends without JavaScript). */
  document.querySelectorAll("form[data-cart-form]").forEach(function (form) {
    form.addEventListener("change", function (event) {
      if (event.target.hasAttribute("data-autosubmit") && event.target.checkValidity()) form.requestSubmit();
    });
  });

  /* Quantity steppers: − and + beside a number input (without JavaScript the input alone works). */
  document.querySelectorAll("[data-stepper]").forEach(function (stepper) {
    var input = stepper.querySelector("input[type=number]");
    stepper.querySelectorAll("[data-step]").forEach(function (button) {
      button.addEventListener("click", function () {
        var min = parseInt(input.min || "1", 10), max = parseInt(input.max || "999", 10);
        var next = (parseInt(input.value, 10) || min) + parseInt(button.getAttribute("data-step"), 10);
        input.value = String(Math.min(max, Math.max(min, next)));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      });
    });
  });

  /* A submit button is disabled after the first click so a double tap sends one request (forms with photos:
     photos.js disables every button while the upload runs). */
  document.querySelectorAll("form").forEach(function (form) {
    if (form.querySelector("input[type=file][data-shrink-photos]")) return;
    form.addEventListener("submit", function () {
      var button = form.querySelector("button[type=submit]:not([formnovalidate])");
      if (button) { setTimeout(function () { button.disabled = true; }, 0); setTimeout(function () { button.disabled = false; }, 8000); }
    });
  });
})();
