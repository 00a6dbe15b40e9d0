// triplewin classroom page: builds the sliders and charts from /api/config (generated from the
// model's declarations) and drives a live run on this machine's server. No outside requests.
"use strict";

(function () {
  const $ = (sel) => document.querySelector(sel);
  const page = {config: null, runId: null, state: null, charts: {}, running: false,
    timer: null, busy: false, touched: new Set()};

  // ---------------------------------------------------------------------------------------
  // talking to the server

  async function api(path, body) {
    const opts = body === undefined ? {} : {method: "POST",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
    const res = await fetch(path, opts);
    const data = await res.json().catch(() => ({error: res.statusText}));
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  function showError(err) {
    const box = $("#error");
    box.textContent = String(err && err.message ? err.message : err);
    box.hidden = false;
    clearTimeout(showError.t);
    showError.t = setTimeout(() => { box.hidden = true; }, 8000);
  }

  // ---------------------------------------------------------------------------------------
  // formatting

  function fmt(v, percent) {
    if (!Number.isFinite(v)) return "n/a";
    if (percent) return (v * 100).toFixed(1) + "%";
    const a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : a >= 1 ? v.toFixed(2) : v.toFixed(3);
  }
  function signed(v) { return (v > 0 ? "+" : v < 0 ? "\u2212" : "\u00b1") + fmt(Math.abs(v)); }
  function leverText(lever, v) {
    return lever.high > 1.0001 ? Number(v).toFixed(lever.step >= 1 ? 0 : 1) : Number(v).toFixed(2);
  }
  function scenarioEntry(key) { return page.config.scenarios.find((s) => s.key === key); }
  // a scenario's lever value at step 0 (a number, or a schedule {step: value})
  function valueAtStart(raw, fallback) {
    if (raw === null || raw === undefined) return fallback;
    if (typeof raw !== "object") return Number(raw);
    const keys = Object.keys(raw).map(Number).sort((a, b) => a - b);
    return keys.length && keys[0] === 0 ? Number(raw[keys[0]]) : fallback;
  }

  // ---------------------------------------------------------------------------------------
  // building the page from the config

  function buildScenarioPicker() {
    const sel = $("#scenario");
    for (const s of page.config.scenarios) {
      const o = document.createElement("option");
      o.value = s.key;
      o.textContent = s.error ? `${s.file} (invalid)` : `${s.name}`;
      o.title = s.error || s.file;
      o.disabled = !!s.error;
      sel.appendChild(o);
    }
    sel.value = page.config.default_scenario;
    sel.addEventListener("change", () => { stop(); newRun(); });
  }

  function buildLevers() {
    const box = $("#levers");
    const pins = page.config.reference.pins;
    for (const lv of page.config.levers) {
      const row = document.createElement("div");
      row.className = "lever";
      row.id = `lever-${lv.name}`;
      const pinned = Object.prototype.hasOwnProperty.call(pins, lv.name);
      row.innerHTML = `
        <div class="top">
          <label for="in-${lv.name}" title="${escapeHtml(lv.meaning)}">${escapeHtml(lv.label)}</label>
          <span><span class="badge sched" hidden>schedule</span><output id="out-${lv.name}"></output>
          <button class="info" type="button" aria-label="What is ${escapeHtml(lv.label)}?"
            aria-expanded="false">?</button></span>
        </div>
        <input id="in-${lv.name}" type="range" min="${lv.low}" max="${lv.high}" step="${lv.step}"
          value="${lv.default}" data-lever="${lv.name}">
        <div class="meta"><span>${escapeHtml(lv.unit)}</span>
          <span>${pinned ? `reference: ${pins[lv.name]}` : "reference follows"}</span></div>
        <p class="meaning" hidden>${escapeHtml(lv.meaning)} <em>Source: ${escapeHtml(lv.source)}</em></p>`;
      box.appendChild(row);
      const input = row.querySelector("input");
      const out = row.querySelector("output");
      out.textContent = leverText(lv, lv.default);
      input.addEventListener("input", () => { out.textContent = leverText(lv, input.value); });
      input.addEventListener("change", () => moveLever(lv.name, Number(input.value)));
      const info = row.querySelector(".info");
      info.addEventListener("click", () => {
        const p = row.querySelector(".meaning");
        p.hidden = !p.hidden;
        info.setAttribute("aria-expanded", String(!p.hidden));
      });
    }
  }

  function buildCharts() {
    const grid = $("#charts");
    for (const spec of page.config.charts) {
      const fig = document.createElement("figure");
      fig.className = "chart";
      fig.id = `chart-${spec.id}`;
      const unit = spec.percent ? "percent" : spec.unit;
      const legend = spec.series.map((s) =>
        `<span><i style="border-color:${s.colour}"></i>${escapeHtml(s.label)}</span>`).join("");
      fig.innerHTML = `<figcaption>${escapeHtml(spec.title)}<small>${escapeHtml(unit)}</small></figcaption>
        <div class="legend">${legend}<span><i class="dash" style="border-color:#555"></i>reference</span></div>
        <canvas role="img" aria-label="${escapeHtml(spec.title)}"></canvas>`;
      grid.insertBefore(fig, $("#ahead"));
      page.charts[spec.id] = {spec, chart: null, canvas: fig.querySelector("canvas")};
    }
    const reps = $("#reps");
    for (const n of [3, 5, 10, 20]) {
      if (n > page.config.max_replications) continue;
      const o = document.createElement("option");
      o.value = n; o.textContent = n;
      reps.appendChild(o);
    }
    reps.value = "5";
    reps.addEventListener("change", () => {
      $("#verdict-btn").textContent = `Verdict with ${reps.value} replications`;
    });
    const pins = page.config.reference.pins;
    for (const el of document.querySelectorAll(".ref-name")) {
      el.textContent = page.config.reference.file.replace(/\.yaml$/, "");
    }
    $("#pins").textContent = `The reference is your scenario with ${page.config.reference.file}'s own settings pinned: `
      + Object.entries(pins).map(([k, v]) => `${k} = ${v}`).join(", ")
      + ". Every other lever follows your sliders.";
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
      '"': "&quot;", "'": "&#39;"}[c]));
  }

  // ---------------------------------------------------------------------------------------
  // showing a state

  function render() {
    const st = page.state;
    if (!st) return;
    const start = page.config.start_year;
    $("#clock").textContent = st.step === 0 ? `2015Q1 \u00b7 step 0 of ${st.steps}`
      : `${st.quarter} \u00b7 step ${st.step} of ${st.steps}${st.done ? " (done)" : ""}`;
    const x = Array.from({length: st.step}, (_, i) => start + (i + 1) / 4);
    for (const id in page.charts) {
      const c = page.charts[id];
      if (!c.chart) {
        c.chart = new window.LineChart(c.canvas, {percent: c.spec.percent,
          includeZero: c.spec.include_zero, minSpan: c.spec.min_span, xmin: start,
          xmax: start + st.steps / 4});
      }
      c.chart.spec.xmax = start + st.steps / 4;
      const series = [];
      for (const s of c.spec.series) {
        series.push({values: st.reference[s.metric], x, colour: s.colour, dashed: true});
        series.push({values: st.live[s.metric], x, colour: s.colour, dashed: false});
      }
      c.chart.draw(series);
    }
    renderPoint();
    renderLevers();
    $("#run").disabled = st.done && !page.running;
    $("#step").disabled = st.done || page.running;
    $("#reset").disabled = false;
    $("#verdict-btn").disabled = false;
  }

  function renderPoint() {
    const body = $("#point tbody");
    const st = page.state;
    body.innerHTML = "";
    for (const g of page.config.groups) {
      const p = st.point[g.key];
      const colour = page.config.palette.groups[g.key];
      const tr = document.createElement("tr");
      const name = `<td><span class="swatch" style="background:${colour}"></span>${g.short}</td>`;
      if (!p) {
        tr.innerHTML = `${name}<td>&ndash;</td><td>&ndash;</td><td>&ndash;</td>`;
      } else {
        const cls = p.ahead === "live" ? "win" : p.ahead === "reference" ? "loss" : "unclear";
        const word = p.ahead === "live" ? `yours <span class="nw">${signed(p.difference)}</span>`
          : p.ahead === "reference" ? `ref. <span class="nw">${signed(-p.difference)}</span>` : "level";
        tr.innerHTML = `${name}<td>${fmt(p.live)}</td><td>${fmt(p.reference)}</td>
          <td class="${cls}">${word}</td>`;
      }
      body.appendChild(tr);
    }
  }

  function renderLevers() {
    for (const lv of page.config.levers) {
      const now = page.state.levers[lv.name];
      const row = $(`#lever-${lv.name}`);
      row.querySelector(".sched").hidden = !now.scheduled;
      if (now.scheduled && !page.touched.has(lv.name)) {
        row.querySelector("input").value = now.value;
        row.querySelector("output").textContent = leverText(lv, now.value);
      }
    }
  }

  function setSlidersFromScenario() {
    const s = scenarioEntry($("#scenario").value);
    page.touched.clear();
    for (const lv of page.config.levers) {
      const v = valueAtStart(s.levers[lv.name], lv.default);
      const row = $(`#lever-${lv.name}`);
      row.querySelector("input").value = v;
      row.querySelector("output").textContent = leverText(lv, v);
    }
    // the scenario files mark article sections as *Section*
    const prose = (t) => escapeHtml(t).replace(/\*([^*]+)\*/g, "<em>$1</em>");
    const first = (s.description.match(/^.*?[.?!](\s|$)/) || [s.description])[0];
    $("#summary").innerHTML = `<strong>${escapeHtml(s.name)}</strong>: ${prose(first)}`;
    $("#description").innerHTML = prose(s.description.slice(first.length).trim());
    if ($("#seed").value === "" || page.seedFrom !== s.key) { $("#seed").value = s.seed; page.seedFrom = s.key; }
  }

  // ---------------------------------------------------------------------------------------
  // actions

  async function newRun() {
    setSlidersFromScenario();
    $("#verdict-result").innerHTML = "";
    const data = await api("/api/runs", {scenario: $("#scenario").value,
      seed: $("#seed").value, overrides: {}});
    page.runId = data.id;
    page.state = data;
    render();
  }

  function overrides() {
    const out = {};
    for (const name of page.touched) out[name] = Number($(`#in-${name}`).value);
    return out;
  }

  // one request at a time, in the order the student acted (a lever moved, then Reset)
  let queue = Promise.resolve();
  function post(action, body) {
    const next = queue.then(() => send(action, body));
    queue = next.catch(() => {});
    return next;
  }

  async function send(action, body) {
    if (!page.runId) return;
    try {
      page.state = await api(`/api/runs/${page.runId}/${action}`, body || {});
    } catch (err) {
      if (/expired/.test(err.message)) {  // the server dropped this run: start a fresh one
        const data = await api("/api/runs", {scenario: $("#scenario").value,
          seed: $("#seed").value, overrides: overrides()});
        page.runId = data.id;
        page.state = data;
      } else {
        throw err;
      }
    }
    render();
  }

  async function moveLever(name, value) {
    page.touched.add(name);
    try { await post("lever", {name, value}); } catch (err) { showError(err); }
  }

  function stop() {
    page.running = false;
    clearTimeout(page.timer);
    $("#run").innerHTML = "&#9654; Run";
    if (page.state) render();
  }

  async function tick() {
    if (!page.running) return;
    try {
      await post("step", {n: 1});
    } catch (err) { showError(err); stop(); return; }
    if (page.state.done) { stop(); return; }
    page.timer = setTimeout(tick, Number($("#speed").value));  // pause between quarters, ms
  }

  function toggleRun() {
    if (page.running) { stop(); return; }
    page.running = true;
    $("#run").innerHTML = "&#10074;&#10074; Pause";
    $("#step").disabled = true;
    tick();
  }

  async function verdict() {
    const n = Number($("#reps").value);
    const btn = $("#verdict-btn");
    const box = $("#verdict-result");
    btn.disabled = true;
    box.innerHTML = `<p class="note">Running ${n} paired replications of your settings and the reference&hellip;</p>`;
    try {
      const v = await api(`/api/runs/${page.runId}/verdict`, {replications: n});
      const words = {win: "gains", loss: "loses", unclear: "not sure"};
      const rows = page.config.groups.map((g) => {
        const d = v.groups[g.key];
        const colour = page.config.palette.groups[g.key];
        return `<tr><td><span class="swatch" style="background:${colour}"></span>${g.title}</td>
          <td>${fmt(d.live)}</td><td>${fmt(d.reference)}</td><td>${signed(d.delta)}</td>
          <td>${fmt(d.ci_low)} to ${fmt(d.ci_high)}</td><td class="${d.outcome}">${words[d.outcome]}</td></tr>`;
      }).join("");
      const winners = page.config.groups.filter((g) => v.groups[g.key].outcome === "win").map((g) => g.title);
      const head = v.triple_win
        ? `Triple win: all three groups gain (every 95% CI above zero, ${v.replications} replications).`
        : `No triple win: ${winners.length ? winners.join(" and ") : "no group"} ${
          winners.length === 1 && winners[0] !== "China" ? "gain" : winners.length > 1 ? "gain" : "gains"
        } with confidence (${v.replications} replications).`;
      const held = Object.keys(v.settings).length
        ? ` Lever settings held from the start: ${Object.entries(v.settings).map(([k, x]) => `${k} = ${x}`).join(", ")}.` : "";
      box.innerHTML = `<p class="headline ${v.triple_win ? "win" : ""}">${head}</p>
        <table><thead><tr><th>group</th><th>your settings</th><th>reference</th><th>difference</th>
        <th>95% CI</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>
        <p class="note">Cumulative gain at the end of the run, USD bn, mean over paired
        replications with common random numbers (the same as <code>triplewin compare</code>).${held}</p>`;
    } catch (err) {
      box.innerHTML = "";
      showError(err);
    } finally {
      btn.disabled = false;
    }
  }

  async function start() {
    page.config = await api("/api/config");
    buildScenarioPicker();
    buildLevers();
    buildCharts();
    $("#run").addEventListener("click", toggleRun);
    $("#step").addEventListener("click", () => post("step", {n: 1}).catch(showError));
    $("#reset").addEventListener("click", () => {
      stop();
      $("#verdict-result").innerHTML = "";
      post("reset", {seed: $("#seed").value}).catch(showError);
    });
    $("#verdict-btn").addEventListener("click", verdict);
    window.addEventListener("resize", () => render());
    await newRun();
    document.body.dataset.ready = "1";
  }

  start().catch(showError);
})();
