// docforge workbench: the little the pages need beyond htmx (no inline scripts: the CSP forbids them).
document.addEventListener("change", function (e) {
  if (e.target.id !== "place-picker") return;
  var o = e.target.selectedOptions[0];
  if (!o || !o.dataset.name) return;
  function set(name, value) {
    var el = document.querySelector('[name="' + name + '"]');
    if (el && value) { el.value = value; }
  }
  set("province.name", o.dataset.province);
  set("province.code", o.dataset.provinceCode);
  set(o.dataset.level + ".name", o.dataset.name);
  set(o.dataset.level + ".code", o.dataset.code);
  var form = document.getElementById("village-form");
  if (form && window.htmx) htmx.trigger(form, "change");
});
document.addEventListener("click", function (e) {
  if (e.target.classList && e.target.classList.contains("cancel")) {
    var form = e.target.closest("form");
    if (form) form.remove();
  }
});
document.addEventListener("htmx:afterSwap", function () {
  var f = document.querySelector(".block.focus");
  if (f) f.scrollIntoView({block: "center"});
});
document.addEventListener("submit", function (e) {
  var msg = e.target.dataset && e.target.dataset.confirm;
  if (msg && !window.confirm(msg)) e.preventDefault();
});
// the form's checks arrive as error spans swapped beside each field: mark the field with them
document.addEventListener("htmx:afterSettle", function () {
  document.querySelectorAll(".field .error").forEach(function (span) {
    var field = span.closest(".field");
    if (field) field.classList.toggle("invalid", span.textContent.trim() !== "");
  });
});
