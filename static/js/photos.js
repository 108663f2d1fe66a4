/* Product form: shrink photos in the browser (≤ 1600 px) before sending, and retry a submit that failed
   because the connection dropped. Without this file the form posts the original photos as usual. */
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

  /* Retry: send the form with fetch; on a network error wait and try again (the hidden client token
     makes a repeated create harmless). Any server answer is shown as the normal page would be. After a
     redirect the page fetch already followed is shown as it came (loading it again would lose its one-time
     "saved" message), under the address it came from. */
  var form = input.form;
  if (!form || !window.fetch || !window.FormData) return;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    var attempt = 0;
    /* getAttribute, not form.action: the submit buttons are named "action" and would shadow the property */
    var target = form.getAttribute("action") || window.location.href;
    function send() {
      attempt += 1;
      fetch(target, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) {
          /* show the answer as the browser would have: the page the server redirected to (with its
             "saved" message, which that request consumed), or the form with its errors */
          return response.text().then(function (html) {
            if (response.redirected && window.history.replaceState) window.history.replaceState(null, "", response.url);
            document.open(); document.write(html); document.close();
          });
        })
        .catch(function () {
          if (attempt < 4) { setTimeout(send, 2000 * attempt); return; }
          var note = document.createElement("p");
          note.className = "flash error";
          note.textContent = form.getAttribute("data-offline-message") || "Mất kết nối. Bản nháp đã được giữ lại, hãy gửi lại khi có mạng.";
          form.insertBefore(note, form.firstChild);
        });
    }
    send();
  });
})();
