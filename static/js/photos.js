/* Forms with photos (product, batch, event): shrink photos in the browser (≤ 1600 px) before sending, show upload
   progress with every submit button disabled, and retry a submit that failed because the connection dropped.
   Without this file the form posts the original photos as usual. */
(function () {
  "use strict";
  var input = document.querySelector("input[type=file][data-shrink-photos]");
  if (!input || !window.HTMLCanvasElement || !window.DataTransfer) return;
  var maxSide = parseInt(input.getAttribute("data-shrink-photos"), 10) || 1600;
  var previews = document.querySelector("[data-photo-previews]");
  var busy = false;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type)) { resolve(file); return; }
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () {
        var scale = Math.min(1, maxSide / Math.max(img.naturalWidth, img.naturalHeight));
        if (scale === 1 && file.size < 1500000) { URL.revokeObjectURL(url); resolve(file); return; }
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(img.naturalWidth * scale);
        canvas.height = Math.round(img.naturalHeight * scale);
        canvas.getContext("2d").drawImage(img, 0, 0, canvas.width, canvas.height);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(file); return; }
          resolve(new File([blob], file.name.replace(/\.[^.]+$/, "") + ".jpg", { type: "image/jpeg" }));
        }, "image/jpeg", 0.85);
      };
      img.onerror = function () { URL.revokeObjectURL(url); resolve(file); };
      img.src = url;
    });
  }

  input.addEventListener("change", function () {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length || busy) return;
    busy = true;
    Promise.all(files.map(shrink)).then(function (smaller) {
      var transfer = new DataTransfer();
      smaller.forEach(function (f) { transfer.items.add(f); });
      input.files = transfer.files;
      if (previews) {
        previews.textContent = "";
        smaller.forEach(function (f) {
          var thumb = document.createElement("img");
          thumb.alt = "";
          thumb.src = URL.createObjectURL(f);
          previews.appendChild(thumb);
        });
      }
      busy = false;
    });
  });

  /* Sending: every submit button is disabled and reads "Đang gửi…", a progress bar follows the upload (XHR, since
     fetch reports no upload progress). On a network error wait and try again (the hidden client token makes a
     repeated create harmless); after the last try the buttons come back and the draft (app.js) is still there.
     Any server answer is shown as the normal page would be: the page the server redirected to (with its one-time
     "saved" message, which that request consumed), under the address it came from, or the form with its errors. */
  var form = input.form;
  if (!form || !window.XMLHttpRequest || !window.FormData) return;
  var sending = form.getAttribute("data-sending") || "Đang gửi…";
  var buttons = Array.prototype.slice.call(form.querySelectorAll("button[type=submit], input[type=submit]"));

  function progressBar() {
    var box = document.createElement("p");
    box.className = "upload-progress";
    box.setAttribute("role", "status");
    var bar = document.createElement("progress");
    bar.max = 100;
    var text = document.createElement("span");
    text.textContent = sending;
    box.appendChild(bar);
    box.appendChild(text);
    form.appendChild(box);
    return { box: box, bar: bar, text: text };
  }
  function busyButtons(on) {
    buttons.forEach(function (button) {
      if (on) { button.setAttribute("data-label", button.textContent); button.textContent = sending; }
      else if (button.hasAttribute("data-label")) { button.textContent = button.getAttribute("data-label"); }
      button.disabled = on;
    });
  }
  function showAnswer(xhr) {
    if (xhr.responseURL && xhr.responseURL !== target && window.history.replaceState) {
      window.history.replaceState(null, "", xhr.responseURL);
    }
    document.open(); document.write(xhr.responseText); document.close();
  }
  var target;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (form.hasAttribute("data-sending-now")) return;
    form.setAttribute("data-sending-now", "1");
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    var attempt = 0;
    var progress = progressBar();
    busyButtons(true);
    /* getAttribute, not form.action: the submit buttons are named "action" and would shadow the property */
    target = form.getAttribute("action") || window.location.href;
    function giveUp() {
      progress.box.remove();
      busyButtons(false);
      form.removeAttribute("data-sending-now");
      var note = document.createElement("p");
      note.className = "flash error";
      note.textContent = form.getAttribute("data-offline-message") || "Mất kết nối. Bản nháp đã được giữ lại, hãy gửi lại khi có mạng.";
      form.insertBefore(note, form.firstChild);
    }
    function send() {
      attempt += 1;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", target);
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) return;
        var percent = Math.round(100 * e.loaded / e.total);
        progress.bar.value = percent;
        progress.text.textContent = sending + " " + percent + " %";
      };
      xhr.onload = function () { showAnswer(xhr); };
      xhr.onerror = function () {
        if (attempt < 4) { setTimeout(send, 2000 * attempt); return; }
        giveUp();
      };
      xhr.send(data);
    }
    send();
  });
})();
