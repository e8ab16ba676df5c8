// A table cell of one word (a configuration such as SDTW-E-W, a header such as top-1) stays on one
// line: where a table is squeezed into the text column, its sentences wrap and its names stay whole
// instead of breaking at a hyphen. Formulas are left to MathJax.
document.addEventListener("DOMContentLoaded", () => {
  for (const cell of document.querySelectorAll("article.bd-article :is(td, th)")) {
    if (/^\S+$/.test(cell.textContent.trim()) && !cell.querySelector(".math, mjx-container")) {
      cell.style.whiteSpace = "nowrap";
    }
  }
});
