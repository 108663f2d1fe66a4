/* Search box autocomplete: asks /search/suggest while typing (accents optional). The form works without it.
   On a wide screen the listing's "Lọc" box starts open (on a phone it stays folded, products first). */
(function () {
  "use strict";
  var filters = document.querySelector(".facets details.filters");
  if (filters && window.matchMedia && window.matchMedia("(min-width: 720px)").matches) filters.open = true;
})();
(function () {
  "use strict";
  var input = document.querySelector("input[data-autocomplete]");
  if (!input || !window.fetch) return;
  var endpoint = input.getAttribute("data-autocomplete");
  var list = document.createElement("ul");
  list.className = "suggest-list";
  list.hidden = true;
  list.id = "search-suggestions";
  list.setAttribute("role", "listbox");
  input.setAttribute("aria-controls", list.id);
  input.form.classList.add("suggest");
  input.form.appendChild(list);
  var timer = null, last = "";

  function render(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = item.url;
      a.textContent = item.name;
      a.setAttribute("role", "option");
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = items.length === 0;
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    var q = input.value.trim();
    if (q.length < 2) { render([]); return; }
    timer = setTimeout(function () {
      if (q === last) return;
      last = q;
      fetch(endpoint + "?q=" + encodeURIComponent(q), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (items) { if (input.value.trim() === q) render(items); })
        .catch(function () { render([]); });
    }, 150);
  });
  input.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && !list.hidden) { e.preventDefault(); list.querySelector("a").focus(); }
    if (e.key === "Escape") render([]);
  });
  list.addEventListener("keydown", function (e) {
    var current = document.activeElement.parentNode;
    if (e.key === "ArrowDown" && current.nextSibling) { e.preventDefault(); current.nextSibling.firstChild.focus(); }
    if (e.key === "ArrowUp") { e.preventDefault(); (current.previousSibling ? current.previousSibling.firstChild : input).focus(); }
    if (e.key === "Escape") { render([]); input.focus(); }
  });
  document.addEventListener("click", function (e) { if (!input.form.contains(e.target)) render([]); });
})();
