// Small line charts on <canvas>, written for the triplewin classroom page (no library: the page
// must work offline). One chart = one x range (years), several series; each series is solid
// (your settings) or dashed (the reference). Sharp on high-density screens and projectors.
"use strict";

(function () {
  // a "nice" tick step (1, 2 or 5 times a power of ten) for about `count` ticks over `span`
  function niceStep(span, count) {
    if (!(span > 0)) return 1;
    const raw = span / count;
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const m = raw / power;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
  }

  // enough decimals to tell neighbouring ticks apart
  function formatTick(v, percent, step) {
    const scale = percent ? 100 : 1;
    const digits = Math.max(0, -Math.floor(Math.log10(step * scale) + 1e-9));
    return (v * scale).toFixed(digits) + (percent ? "%" : "");
  }

  class LineChart {
    // spec: {percent: bool, includeZero: bool, minSpan: number, xmin, xmax}
    constructor(canvas, spec) {
      this.canvas = canvas;
      this.spec = spec;
      this.series = [];
    }

    // series: [{values: [..], colour, dashed, x: [..]}]
    draw(series) {
      this.series = series;
      const c = this.canvas;
      const ratio = window.devicePixelRatio || 1;
      const w = c.clientWidth, h = c.clientHeight;
      if (c.width !== Math.round(w * ratio) || c.height !== Math.round(h * ratio)) {
        c.width = Math.round(w * ratio);
        c.height = Math.round(h * ratio);
      }
      const g = c.getContext("2d");
      g.setTransform(ratio, 0, 0, ratio, 0, 0);
      g.clearRect(0, 0, w, h);
      const font = getComputedStyle(c).fontFamily || "sans-serif";
      g.font = "14px " + font;

      // y range over every finite value (and zero for shares and gains)
      let lo = Infinity, hi = -Infinity;
      for (const s of series) for (const v of s.values) {
        if (Number.isFinite(v)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      }
      const empty = !Number.isFinite(lo);
      if (empty) { lo = 0; hi = this.spec.percent ? 1 : 1; }
      if (this.spec.includeZero) { lo = Math.min(lo, 0); hi = Math.max(hi, 0); }
      // a floor on the span keeps the first quarters' wiggles from filling the chart
      const minSpan = Math.max(this.spec.minSpan || 0, 1e-9);
      if (hi - lo < minSpan) {
        if (lo === 0) { hi = minSpan; } else {
          const mid = (hi + lo) / 2;
          lo = mid - minSpan / 2; hi = mid + minSpan / 2;
        }
      }
      const step = niceStep(hi - lo, 4);
      lo = Math.floor(lo / step + 1e-9) * step;
      hi = Math.ceil(hi / step - 1e-9) * step;

      const labels = [];
      for (let v = lo; v <= hi + step / 2; v += step) labels.push(v);
      const tickText = labels.map((v) => formatTick(Math.abs(v) < step / 1e6 ? 0 : v,
        this.spec.percent, step));
      const left = 10 + Math.max(...tickText.map((t) => g.measureText(t).width));
      const lastYear = String(Math.floor(this.spec.xmax));
      const pad = {left: left + 6, right: 6 + g.measureText(lastYear).width / 2, top: 10,
        bottom: 26};
      const pw = w - pad.left - pad.right, ph = h - pad.top - pad.bottom;
      const xmin = this.spec.xmin, xmax = this.spec.xmax;
      const X = (x) => pad.left + (x - xmin) / (xmax - xmin) * pw;
      const Y = (y) => pad.top + (1 - (y - lo) / (hi - lo)) * ph;

      // grid and y ticks
      g.lineWidth = 1;
      g.textAlign = "right";
      g.textBaseline = "middle";
      labels.forEach((v, i) => {
        g.strokeStyle = Math.abs(v) < step / 1e6 ? "#888" : "#e3e3e3";
        g.beginPath(); g.moveTo(pad.left, Math.round(Y(v)) + 0.5);
        g.lineTo(pad.left + pw, Math.round(Y(v)) + 0.5); g.stroke();
        g.fillStyle = "#333";
        g.fillText(tickText[i], pad.left - 6, Y(v));
      });
      // x ticks: whole years
      const span = xmax - xmin;
      const every = span <= 6 ? 1 : span <= 14 ? 2 : 5;
      g.textAlign = "center";
      g.textBaseline = "top";
      for (let yr = Math.ceil(xmin); yr <= xmax + 1e-9; yr += every) {
        g.strokeStyle = "#bbb";
        g.beginPath(); g.moveTo(X(yr) + 0.5, pad.top + ph); g.lineTo(X(yr) + 0.5, pad.top + ph + 5);
        g.stroke();
        g.fillStyle = "#333";
        g.fillText(String(yr), X(yr), pad.top + ph + 7);
      }
      g.strokeStyle = "#555";
      g.beginPath(); g.moveTo(pad.left + 0.5, pad.top); g.lineTo(pad.left + 0.5, pad.top + ph);
      g.lineTo(pad.left + pw, pad.top + ph); g.stroke();

      if (empty) {
        g.fillStyle = "#777";
        g.textAlign = "center";
        g.textBaseline = "middle";
        g.font = "15px " + font;
        g.fillText("press Run or Step", pad.left + pw / 2, pad.top + ph / 2);
        return;
      }
      // reference first (underneath), then your settings
      const ordered = series.filter((s) => s.dashed).concat(series.filter((s) => !s.dashed));
      for (const s of ordered) {
        g.strokeStyle = s.colour;
        g.lineWidth = s.dashed ? 2.2 : 3;
        g.globalAlpha = s.dashed ? 0.85 : 1;
        g.setLineDash(s.dashed ? [7, 5] : []);
        g.lineJoin = "round";
        g.beginPath();
        let started = false;
        s.values.forEach((v, i) => {
          if (!Number.isFinite(v)) return;
          const px = X(s.x[i]), py = Y(v);
          if (started) g.lineTo(px, py); else { g.moveTo(px, py); started = true; }
        });
        g.stroke();
      }
      g.setLineDash([]);
      g.globalAlpha = 1;
    }
  }

  window.LineChart = LineChart;
})();
