// Tables become cards on a phone (site.css, below 600px): each cell is labelled with the name
// of its column, taken from the table's head. A table marked data-keep (a grid read across,
// such as the heat map's figures) stays a table and scrolls sideways.
document.querySelectorAll("table").forEach(function (table) {
  if (table.hasAttribute("data-keep") || !table.tHead) return;
  var heads = Array.prototype.map.call(table.tHead.rows[table.tHead.rows.length - 1].cells, function (cell) {
    return cell.textContent.trim();
  });
  Array.prototype.forEach.call(table.tBodies, function (body) {
    Array.prototype.forEach.call(body.rows, function (row) {
      var column = 0;
      Array.prototype.forEach.call(row.cells, function (cell) {
        if (heads[column] && !cell.hasAttribute("data-label")) cell.setAttribute("data-label", heads[column]);
        column += cell.colSpan || 1;
      });
    });
  });
  table.classList.add("cards");
});
