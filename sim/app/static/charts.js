// Small line charts on <canvas>, written for the triplewin classroom page (no library: the page
// must work offline). One chart = one x range (years), several series; each series is solid
// (your run), dashed (the reference) or dotted (the previous run). Text follows the page's font
// size (readable on a projector); hovering shows the values of the quarter under the pointer.
// Sharp on high-density screens and projectors.
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

  // a cleared 2-d context the canvas's CSS size at the screen's pixel density, with a font
  // `scale` times the page's (at least `least` px): {g, w, h, size, font}
  function fitCanvas(c, scale, least) {
    const ratio = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== Math.round(w * ratio) || c.height !== Math.round(h * ratio)) {
      c.width = Math.round(w * ratio);
      c.height = Math.round(h * ratio);
    }
    const g = c.getContext("2d");
    g.setTransform(ratio, 0, 0, ratio, 0, 0);
    g.clearRect(0, 0, w, h);
    const css = getComputedStyle(c);
    const font = css.fontFamily || "sans-serif";
    const size = Math.max(least, Math.round(parseFloat(css.fontSize) * scale || least));
    g.font = size + "px " + font;
    return {g, w, h, size, font};
  }

  class LineChart {
    // spec: {percent: bool, includeZero: bool, minSpan: number, xmin, xmax}
    constructor(canvas, spec) {
      this.canvas = canvas;
      this.spec = spec;
      this.series = [];
      this.hover = null;
      canvas.addEventListener("mousemove", (e) => {
        const r = canvas.getBoundingClientRect();
        this.hover = e.clientX - r.left;
        this.draw(this.series);
      });
      canvas.addEventListener("mouseleave", () => { this.hover = null; this.draw(this.series); });
    }

    // series: [{values: [..], colour, dashed, x: [..]}]
    draw(series) {
      this.series = series;
      const {g, w, h, size} = fitCanvas(this.canvas, 0.82, 12);

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
      const plotHeight = h - 8 - (size + 12);
      const step = niceStep(hi - lo, plotHeight < 110 ? 2 : plotHeight < 180 ? 3 : 4);
      lo = Math.floor(lo / step + 1e-9) * step;
      hi = Math.ceil(hi / step - 1e-9) * step;

      const labels = [];
      for (let v = lo; v <= hi + step / 2; v += step) labels.push(v);
      const tickText = labels.map((v) => formatTick(Math.abs(v) < step / 1e6 ? 0 : v,
        this.spec.percent, step));
      const left = 10 + Math.max(...tickText.map((t) => g.measureText(t).width));
      const lastYear = String(Math.floor(this.spec.xmax));
      const pad = {left: left + 6, right: 6 + g.measureText(lastYear).width / 2, top: 8,
        bottom: size + 12};
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
      const room = pw / Math.max(span, 1);  // pixels per year
      const need = g.measureText("2024").width * 1.6;
      const every = [1, 2, 5, 10].find((e) => room * e >= need) || 10;
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
        g.fillText("press Run or Step", pad.left + pw / 2, pad.top + ph / 2);
        return;
      }
      // previous run first, then the reference (underneath), then your run
      const rank = (s) => (s.dotted ? 0 : s.dashed ? 1 : 2);
      const ordered = series.slice().sort((a, b) => rank(a) - rank(b));
      for (const s of ordered) {
        g.strokeStyle = s.dotted ? "#777" : s.colour;
        g.lineWidth = s.dotted ? 2 : s.dashed ? 2.4 : 3.2;
        g.globalAlpha = s.dashed ? 0.85 : 1;
        g.setLineDash(s.dotted ? [2, 4] : s.dashed ? [8, 5] : []);
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
      // the values of the quarter under the pointer
      if (this.hover !== null && this.hover >= pad.left && this.hover <= pad.left + pw) {
        const xv = xmin + (this.hover - pad.left) / pw * (xmax - xmin);
        const solid = series.filter((s) => !s.dashed && !s.dotted && s.values.length);
        if (solid.length) {
          let i = 0;
          solid[0].x.forEach((x, j) => { if (Math.abs(x - xv) < Math.abs(solid[0].x[i] - xv)) i = j; });
          const px = X(solid[0].x[i]);
          g.strokeStyle = "#999"; g.lineWidth = 1;
          g.beginPath(); g.moveTo(px + 0.5, pad.top); g.lineTo(px + 0.5, pad.top + ph); g.stroke();
          const yr = solid[0].x[i] - 0.25;
          const lines = [`${Math.floor(yr)}Q${Math.round((yr % 1) * 4) + 1}`];
          for (const s of series) {
            if (s.dotted || !Number.isFinite(s.values[i])) continue;
            lines.push(`${s.dashed ? "ref. " : ""}${s.label || ""} ${formatTick(s.values[i], this.spec.percent, step / 10)}`);
          }
          const tw = Math.max(...lines.map((t) => g.measureText(t).width)) + 12;
          const th = lines.length * (size + 3) + 8;
          const bx = px + tw + 14 > pad.left + pw ? px - tw - 8 : px + 8;
          g.fillStyle = "rgba(255,255,255,0.94)"; g.strokeStyle = "#888";
          g.fillRect(bx, pad.top + 2, tw, th); g.strokeRect(bx + 0.5, pad.top + 2.5, tw, th);
          g.fillStyle = "#111"; g.textAlign = "left"; g.textBaseline = "top";
          lines.forEach((t, k) => g.fillText(t, bx + 6, pad.top + 6 + k * (size + 3)));
        }
      }
    }
  }

  window.LineChart = LineChart;
  window.fitCanvas = fitCanvas;
})();
