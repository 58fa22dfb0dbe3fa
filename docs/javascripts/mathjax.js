// MathJax configuration; the library itself is bundled in javascripts/mathjax/
// (no network needed: offline hospital networks see formulas, not raw TeX).
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  svg: {
    fontCache: "global"
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex"
  }
};

document$.subscribe(() => {
  if (!window.MathJax.startup || !window.MathJax.typesetPromise) {
    return;  // first load: MathJax typesets the page itself once it has started
  }
  MathJax.startup.output.clearCache()
  MathJax.typesetClear()
  MathJax.texReset()
  MathJax.typesetPromise()
})
