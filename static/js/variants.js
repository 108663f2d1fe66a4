/* Product page: picking a variant shows its price and bounds the quantity by its stock. Without this file the
   radio choice is simply posted with the form. */
(function () {
  "use strict";
  document.querySelectorAll("form.add-to-cart").forEach(function (form) {
    var shown = document.querySelector("[data-shown-price]");
    var quantity = form.querySelector("input[name=quantity]");
    function show(radio) {
      if (shown && radio.dataset.priceText) shown.textContent = radio.dataset.priceText;
      if (quantity && radio.dataset.stock) quantity.max = Math.min(Number(radio.dataset.stock), 999);
    }
    form.querySelectorAll("input[name=variant_id]").forEach(function (radio) {
      radio.addEventListener("change", function () { show(radio); });
      if (radio.checked) show(radio);
    });
  });
})();
