// The world of the model as a network on <canvas>, for the triplewin classroom page: China in
// the middle, developed host economies on the left, developing ones on the right (each kind in a
// grid, biggest first). Each host is a circle (area: its GDP, relative to its kind); the vermillion wedge is the Chinese share of the
// value awarded there over the last year; the ring is the entry barrier Chinese bidders face
// (developed hosts) or public debt / GDP (developing hosts); a line from China carries Chinese
// capacity placed there (plants, industrial parks); a small square marks a BIT in force.
// It is redrawn every quarter from the state the server sends (sim.app.live.world_view).
// Needs charts.js (fitCanvas).
"use strict";

(function () {
  const CHINA = "#D55E00", DEV = "#0072B2", DG = "#009E73";

  function drawWorld(canvas, w, opts) {
    const {g, w: W, h: H, size} = window.fitCanvas(canvas, 0.75, 11);
    if (!w || !w.developed) return;
    const n = w.developed.length;
    const top = size + 6, bottom = size + 4;
    const dev = [], dg = [];
    for (let i = 0; i < n; i++) (w.developed[i] ? dev : dg).push(i);
    const maxGdp = {dev: Math.max(1e-9, ...dev.map((i) => w.gdp[i])),
      dg: Math.max(1e-9, ...dg.map((i) => w.gdp[i]))};
    const maxPlaced = Math.max(1e-9, ...w.placed);
    const pos = {};
    // each kind in its own block of cells (a grid, so nothing overlaps), biggest economy first
    const grid = (ids, x0, x1, key) => {
      const bw = x1 - x0, bh = H - top - bottom;
      let cols = 1;
      while (Math.ceil(ids.length / cols) * (bw / cols) > bh * 1.05 && cols < ids.length) cols++;
      const rows = Math.ceil(ids.length / cols);
      const cw = bw / cols, ch = bh / rows;
      const rm = Math.max(3, Math.min(cw, ch) * 0.42);
      ids.slice().sort((a, b) => w.gdp[b] - w.gdp[a]).forEach((i, k) => {
        const col = k % cols, row = Math.floor(k / cols);
        pos[i] = {x: x0 + cw * (col + 0.5), y: top + ch * (row + 0.5),
          r: Math.max(2.5, rm * Math.sqrt(w.gdp[i] / maxGdp[key]))};
      });
    };
    grid(dev, 2, W * 0.34, "dev");
    grid(dg, W * 0.52, W - 2, "dg");
    const cx = W * 0.43, cy = top + (H - top - bottom) / 2;
    // capacity placed abroad: lines from China
    for (let i = 0; i < n; i++) {
      if (!(w.placed[i] > 0)) continue;
      g.strokeStyle = CHINA; g.globalAlpha = 0.55;
      g.lineWidth = 0.8 + 7 * Math.sqrt(w.placed[i] / maxPlaced);
      g.beginPath(); g.moveTo(cx, cy); g.lineTo(pos[i].x, pos[i].y); g.stroke();
    }
    g.globalAlpha = 1;
    // China
    const home = Math.max(10, Math.min(W * 0.05, H * 0.09, 26));
    g.fillStyle = CHINA; g.beginPath(); g.arc(cx, cy, home, 0, 2 * Math.PI); g.fill();
    g.fillStyle = "#fff"; g.textAlign = "center"; g.textBaseline = "middle";
    g.fillText("CN", cx, cy);
    // hosts
    for (let i = 0; i < n; i++) {
      const p = pos[i], isDev = w.developed[i];
      const base = isDev ? DEV : DG;
      // ring: barrier (developed) or debt/GDP (developing, 1.0 = 100%)
      const ringValue = isDev ? w.barrier[i] : Math.min(w.debt[i], 1.5) / 1.5;
      g.strokeStyle = isDev ? "#222" : "#7a3b00";
      g.lineWidth = Math.min(1 + 6 * ringValue, Math.max(1.5, p.r * 0.45));
      g.beginPath(); g.arc(p.x, p.y, p.r + g.lineWidth / 2, 0, 2 * Math.PI); g.stroke();
      g.fillStyle = base; g.globalAlpha = 0.85;
      g.beginPath(); g.arc(p.x, p.y, p.r, 0, 2 * Math.PI); g.fill();
      g.globalAlpha = 1;
      const share = Math.max(0, Math.min(1, w.cn_share[i]));
      if (share > 0) {
        g.fillStyle = CHINA;
        g.beginPath(); g.moveTo(p.x, p.y);
        g.arc(p.x, p.y, p.r, -Math.PI / 2, -Math.PI / 2 + 2 * Math.PI * share); g.closePath(); g.fill();
      }
      if (w.bit[i]) {
        g.fillStyle = "#111";
        g.fillRect(p.x + p.r * 0.7, p.y - p.r * 0.7 - 3, 5, 5);
      }
    }
    // labels
    g.fillStyle = "#111"; g.textBaseline = "top";
    g.textAlign = "center";
    g.fillText("developed hosts", W * 0.17, 2);
    g.fillText("developing hosts", W * 0.76, 2);
    if (opts && opts.summary) {
      g.textAlign = "center"; g.textBaseline = "bottom"; g.fillStyle = "#333";
      g.fillText(opts.summary, W / 2, H - 2);
    }
  }

  window.drawWorld = drawWorld;
})();
