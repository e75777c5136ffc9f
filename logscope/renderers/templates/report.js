(function () {
  "use strict";
  // Progressive enhancement only: the page reads completely without this script.
  // It never writes HTML: names from logs are only ever read as textContent.
  document.documentElement.classList.add("js");
  var table = document.getElementById("runs");
  var controls = document.getElementById("controls");
  if (!table || !controls) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var filter = document.getElementById("filter");
  var shown = document.getElementById("shown");
  var buttons = Array.prototype.slice.call(controls.querySelectorAll("button[data-status]"));
  var status = "all";
  controls.hidden = false;

  function apply() {
    var query = filter.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (row) {
      var visible = (status === "all" || row.getAttribute("data-status") === status) &&
        (!query || row.textContent.toLowerCase().indexOf(query) !== -1);
      row.hidden = !visible;
      if (visible) { count += 1; }
    });
    shown.textContent = count + " of " + rows.length + " shown";
  }

  filter.addEventListener("input", apply);
  buttons.forEach(function (button) {
    button.addEventListener("click", function () {
      status = button.getAttribute("data-status");
      buttons.forEach(function (b) { b.setAttribute("aria-pressed", String(b === button)); });
      apply();
    });
  });

  function key(row, col, numeric) {
    var cell = row.cells[col];
    var raw = cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cell.textContent.trim();
    if (!numeric) { return raw.toLowerCase(); }
    var value = parseFloat(raw);
    return isNaN(value) ? null : value;
  }

  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  headers.forEach(function (th, col) {
    var kind = th.getAttribute("data-sort");
    if (!kind) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    while (th.firstChild) { button.appendChild(th.firstChild); }
    th.appendChild(button);
    button.addEventListener("click", function () {
      var direction = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", direction === 1 ? "ascending" : "descending");
      var numeric = kind === "num";
      rows.sort(function (a, b) {
        var x = key(a, col, numeric);
        var y = key(b, col, numeric);
        if (x === y) { return 0; }
        if (x === null || x === "") { return 1; }  // blanks last either way
        if (y === null || y === "") { return -1; }
        return (x < y ? -1 : 1) * direction;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  apply();
}());
