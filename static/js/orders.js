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
