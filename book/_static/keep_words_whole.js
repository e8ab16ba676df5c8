// A table cell of one word (a configuration such as SDTW-E-W, a header such as top-1) and a short
// code literal in a cell (a shape such as `(2M + 1,)`) stay on one line: where a table is squeezed
// into the text column, its sentences wrap and its names stay whole instead of breaking at a hyphen
// or a space. Formulas are left to MathJax.
const SHORT_CODE = 16;   // characters; longer literals (a list of steps) may wrap
document.addEventListener("DOMContentLoaded", () => {
  for (const cell of document.querySelectorAll("article.bd-article :is(td, th)")) {
    if (/^\S+$/.test(cell.textContent.trim()) && !cell.querySelector(".math, mjx-container")) {
      cell.style.whiteSpace = "nowrap";
    }
    for (const code of cell.querySelectorAll("code")) {
      if (code.textContent.length <= SHORT_CODE) code.style.whiteSpace = "nowrap";
    }
  }
});
