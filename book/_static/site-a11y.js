/* Small accessibility repairs of markup that the theme and Sphinx generate, found by
 * axe-core in tests/test_browser.py (which runs axe on every page after this script).
 * The theme's icons are turned into SVGs by Font Awesome's script at its own pace, so
 * the repairs run again whenever the page changes.
 */
(function () {
  "use strict";

  function repair() {
    // Search buttons show text ("Search Ctrl+K"): their accessible name must contain
    // it (WCAG 2.5.3, label in name), so let the visible text be the name.
    document.querySelectorAll("button.search-button-field[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");
    });
    // The color-mode button is named "Color mode"; its icons are decoration, and their
    // tooltips ("Light", "Dark") are not part of its name.
    document.querySelectorAll(".theme-switch-button i, .theme-switch-button svg")
      .forEach(function (el) {
        el.removeAttribute("title");
        el.removeAttribute("aria-labelledby");
        el.setAttribute("aria-hidden", "true");
        el.querySelectorAll("title").forEach(function (t) { t.remove(); });
      });
    // The bibliography is a role="list": its entries must be list items.
    document.querySelectorAll('.citation-list[role="list"] > [role="doc-biblioentry"]')
      .forEach(function (el) { el.setAttribute("role", "listitem"); });
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () { pending = false; repair(); });
  }

  function start() {
    repair();
    new MutationObserver(schedule).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  window.addEventListener("load", repair);
})();
