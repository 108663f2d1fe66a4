/* Payment pages: copy buttons for transfer details, Stripe card form. The VietQR page works without this file. */
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.classList.add("shown");
    button.addEventListener("click", function () {
      var target = document.querySelector(button.getAttribute("data-copy"));
      if (!target || !navigator.clipboard) return;
      navigator.clipboard.writeText(target.textContent.trim()).then(function () {
        var label = button.textContent;
        button.textContent = "✓";
        setTimeout(function () { button.textContent = label; }, 1500);
      });
    });
  });

  var form = document.getElementById("stripe-form");
  if (form && window.Stripe && form.dataset.stripeKey && form.dataset.clientSecret) {
    var stripe = window.Stripe(form.dataset.stripeKey);
    var elements = stripe.elements({ clientSecret: form.dataset.clientSecret });
    var card = elements.create("payment");
    card.mount("#stripe-element");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      stripe.confirmPayment({ elements: elements, confirmParams: { return_url: form.dataset.returnUrl } })
        .then(function (result) {
          if (result.error) document.getElementById("stripe-error").textContent = result.error.message;
        });
    });
  }
})();

/* Payment pages: poll the small status URL and mark each order of the sequence paid as its money arrives. */
(function () {
  "use strict";
  var box = document.querySelector("[data-pay-status]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-pay-status");
  var polls = 0;
  function mark(order) {
    var step = document.querySelector('[data-pay-step="' + order.code + '"]');
    if (!step || !order.paid) return;
    step.classList.add("paid");
    var badge = step.querySelector("[data-step-status]");
    if (badge) { badge.textContent = order.status_label; badge.classList.add("ok"); }
    var detail = step.querySelector(".pay-detail");
    if (detail) detail.hidden = true;
    var note = step.querySelector("[data-step-paid]");
    if (note) note.hidden = false;
  }
  function check() {
    polls += 1;
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state) return;
        state.orders.forEach(mark);
        if (state.all_paid) {
          var done = box.querySelector("[data-all-paid]");
          if (done) done.hidden = false;
          box.querySelector("[data-pay-note]").hidden = true;
          return;
        }
        if (polls < 360) setTimeout(check, 5000);
      })
      .catch(function () { if (polls < 360) setTimeout(check, 10000); });
  }
  setTimeout(check, 5000);
})();
