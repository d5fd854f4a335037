/* The explorers on the static website (no kernel): see CONTRIBUTING.md, "Explorers".
 *
 * Each .sm-explorer element carries, in a JSON <script>, what softmax_lib computed at
 * build time for every combination of its controls' positions (made by
 * softmax_lib.widgets.Explorer.to_html). This script computes nothing: when a control
 * moves it looks up that combination's row and shows it, either
 *   "frames": the pre-rendered image, its alt text and readout, or
 *   "bars":   the bar heights from the table (geometry only) and their readout.
 */
(function () {
  "use strict";

  function fill(template, labels) {
    return template.replace(/\{(\w+)\}/g, function (match, name) {
      return Object.prototype.hasOwnProperty.call(labels, name) ? labels[name] : match;
    });
  }

  function setup(root) {
    var spec = JSON.parse(root.querySelector("script.sm-explorer-data").textContent);
    var inputs = spec.controls.map(function (c) { return document.getElementById(c.id); });
    var figure = document.getElementById(spec.figure_id);
    var readout = document.getElementById(spec.readout_id);

    function update() {
      var row = 0;
      var labels = {};
      spec.controls.forEach(function (c, i) {
        var j = Number(inputs[i].value);
        row += j * spec.strides[i];
        labels[c.name] = c.labels[j];
        if (c.kind === "slider") {
          inputs[i].setAttribute("aria-valuetext", c.labels[j]);
          document.getElementById(c.id + "-value").textContent = c.labels[j];
        }
      });
      var title = fill(spec.title, labels);
      var text;
      if (spec.mode === "frames") {
        var frame = spec.frames[row];
        figure.src = frame.src;
        figure.alt = frame.alt;
        text = frame.readout;
      } else {
        var b = spec.bars;
        var n = b.ids.length;
        var shown = [];
        for (var i = 0; i < n; i++) {
          var value = b.values[row * n + i] / b.scale;
          var y = b.y0 + b.dy * value;
          var top = Math.min(b.y0, y);
          var bottom = Math.max(b.y0, y);
          var path = document.getElementById(b.ids[i]).querySelector("path");
          path.setAttribute("d", "M " + b.x0[i] + " " + bottom + " L " + b.x1[i] + " " + bottom +
            " L " + b.x1[i] + " " + top + " L " + b.x0[i] + " " + top + " z");
          shown.push(b.labels[i] + " = " + value.toFixed(b.decimals));
        }
        text = b.prefix + shown.join(", ");
        var titleText = document.getElementById(b.title_id);
        if (titleText) titleText.querySelector("text").textContent = title;
        figure.setAttribute("aria-label", spec.figure_kind + ": " + title + ". " + text);
      }
      readout.textContent = text;
      root.setAttribute("data-row", String(row));
    }

    inputs.forEach(function (input) {
      input.addEventListener("input", update);
      input.addEventListener("change", update);
    });
    update();
    root.classList.add("sm-explorer-live");
  }

  function init() {
    document.querySelectorAll(".sm-explorer").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
