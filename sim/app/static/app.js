// triplewin classroom page: builds the sliders, charts and help from /api/config (generated from
// the model's declarations) and drives a live run on this machine's server. No outside requests.
"use strict";

(function () {
  const $ = (sel) => document.querySelector(sel);
  const page = {config: null, runId: null, state: null, charts: {}, running: false,
    timer: null, touched: new Set(), previous: null, world: null};

  // ---------------------------------------------------------------------------------------
  // talking to the server

  const {api, showError, escapeHtml} = window.tw;

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
  function leverOf(name) { return page.config.levers.find((l) => l.name === name); }
  // a scenario's lever value at step 0 (a number, or a schedule {step: value})
  function valueAtStart(raw, fallback) {
    if (raw === null || raw === undefined) return fallback;
    if (typeof raw !== "object") return Number(raw);
    const keys = Object.keys(raw).map(Number).sort((a, b) => a - b);
    return keys.length && keys[0] === 0 ? Number(raw[keys[0]]) : fallback;
  }

  // ---------------------------------------------------------------------------------------
  // building the page from the config

  function buildPickers() {
    const sel = $("#scenario");
    const ref = $("#reference");
    for (const s of page.config.scenarios) {
      const o = document.createElement("option");
      o.value = s.key;
      o.textContent = s.error ? `${s.file} (invalid)` : s.name;
      o.title = s.error || s.file;
      o.disabled = !!s.error;
      sel.appendChild(o);
      if (!s.error) {
        const r = document.createElement("option");
        r.value = "s:" + s.key;
        r.textContent = s.name;
        ref.appendChild(r);
      }
    }
    const one = document.createElement("option");
    one.value = "lever";
    one.textContent = "this scenario, one lever changed\u2026";
    ref.appendChild(one);
    sel.value = page.config.default_scenario;
    ref.value = "s:" + page.config.default_reference;
    const names = $("#ref-lever-name");
    for (const lv of page.config.levers) {
      const o = document.createElement("option");
      o.value = lv.name; o.textContent = lv.label;
      names.appendChild(o);
    }
    sel.addEventListener("change", () => { stop(); newRun(); });
    ref.addEventListener("change", () => {
      $("#ref-lever").hidden = ref.value !== "lever";
      if (ref.value === "lever") suggestLeverValue();
      changeReference();
    });
    names.addEventListener("change", () => { suggestLeverValue(); changeReference(); });
    $("#ref-lever-value").addEventListener("change", changeReference);
  }

  // "one lever changed": start from the other end of the lever's range from its value now
  function suggestLeverValue() {
    const lv = leverOf($("#ref-lever-name").value);
    const now = page.state ? page.state.levers[lv.name].value : lv.default;
    const mid = (lv.low + lv.high) / 2;
    const v = lv.high > 1.0001 ? (now > mid ? lv.low : now * 2 || lv.high / 4) : (now > mid ? lv.low : lv.high);
    const input = $("#ref-lever-value");
    input.min = lv.low; input.max = lv.high; input.step = lv.step * 5;
    input.value = leverText(lv, v);
  }

  function referenceSpec() {
    const v = $("#reference").value;
    if (v === "lever") {
      return {lever: $("#ref-lever-name").value, value: Number($("#ref-lever-value").value)};
    }
    return {scenario: v.slice(2)};
  }

  function buildLevers() {
    const box = $("#levers");
    for (const lv of page.config.levers) {
      const row = document.createElement("div");
      row.className = "lever";
      row.id = `lever-${lv.name}`;
      row.innerHTML = `
        <div class="top">
          <label for="in-${lv.name}" title="${escapeHtml(lv.meaning)}">${escapeHtml(lv.label)}</label>
          <span><span class="badge sched" hidden>schedule</span><output id="out-${lv.name}"></output>
          <button class="info" type="button" aria-label="What is ${escapeHtml(lv.label)}?"
            aria-expanded="false">?</button></span>
        </div>
        <input id="in-${lv.name}" type="range" min="${lv.low}" max="${lv.high}" step="${lv.step}"
          value="${lv.default}" data-lever="${lv.name}">
        <div class="meta"><span>${escapeHtml(lv.unit)}</span><span class="ref"></span></div>
        <p class="meaning" hidden>${escapeHtml(lv.meaning)} <em>Source: ${escapeHtml(lv.source)}</em></p>`;
      box.appendChild(row);
      const input = row.querySelector("input");
      const out = row.querySelector("output");
      out.textContent = leverText(lv, lv.default);
      input.addEventListener("input", () => { out.textContent = leverText(lv, input.value); });
      input.addEventListener("change", () => moveLever(lv.name, Number(input.value)));
      toggleHelp(row.querySelector(".info"), row.querySelector(".meaning"));
    }
    $("#levers-toggle").addEventListener("click", () => {
      const open = document.body.classList.toggle("levers-open");
      $("#levers-toggle").setAttribute("aria-expanded", String(open));
    });
  }

  function toggleHelp(button, box) {
    button.addEventListener("click", () => {
      box.hidden = !box.hidden;
      button.setAttribute("aria-expanded", String(!box.hidden));
    });
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
      const help = spec.series.map((s) => {
        const m = page.config.metrics[s.metric];
        return `<p><b>${escapeHtml(m.label)}</b> (<code>${escapeHtml(s.metric)}</code>, ${escapeHtml(m.unit)}): ${escapeHtml(m.meaning)}</p>`;
      }).join("");
      fig.innerHTML = `<figcaption><span>${escapeHtml(spec.title)} <small>${escapeHtml(unit)}</small></span>
          <button class="info" type="button" aria-label="What does ${escapeHtml(spec.title)} show?"
            aria-expanded="false">?</button></figcaption>
        <div class="legend">${legend}<span><i class="dash" style="border-color:#555"></i>ref.</span><span class="prev" hidden><i class="dot" style="border-color:#777"></i>previous</span></div>
        <div class="help" hidden>${help}<p>Solid: your run. Dashed: the reference, same seed. Dotted: your previous run.</p></div>
        <canvas role="img" aria-label="${escapeHtml(spec.title)}"></canvas>`;
      grid.appendChild(fig);
      toggleHelp(fig.querySelector(".info"), fig.querySelector(".help"));
      page.charts[spec.id] = {spec, chart: null, canvas: fig.querySelector("canvas")};
    }
    const world = document.createElement("figure");
    world.className = "chart";
    world.id = "chart-world";
    world.innerHTML = `<figcaption><span>The world now <small>your run</small></span>
        <button class="info" type="button" aria-label="How to read the world" aria-expanded="false">?</button></figcaption>
      <div class="help" hidden><p>China in the middle; developed host economies on the left,
        developing ones on the right. Circle area: the economy's GDP (within its kind).
        Vermillion wedge: the Chinese share of the value awarded there over the last year. Ring:
        the entry barrier Chinese bidders face (developed hosts) or public debt / GDP
        (developing hosts). Line from China: Chinese capacity placed there (plants, industrial
        parks). Small square: a BIT in force.</p></div>
      <canvas role="img" aria-label="Host economies now"></canvas>`;
    grid.appendChild(world);
    toggleHelp(world.querySelector(".info"), world.querySelector(".help"));
    page.world = world.querySelector("canvas");

    const reps = $("#reps");
    for (const n of [3, 5, 10, 20]) {
      if (n > page.config.max_replications) continue;
      const o = document.createElement("option");
      o.value = n; o.textContent = n;
      reps.appendChild(o);
    }
    reps.value = "5";
    const worlds = $("#worlds");
    for (const n of [0, 10, 20, 40]) {
      if (n > page.config.max_worlds) continue;
      const o = document.createElement("option");
      o.value = n; o.textContent = n ? `across ${n} worlds` : "this world";
      worlds.appendChild(o);
    }
    worlds.value = "0";
  }

  function robustTable(v) {
    // the verdict across worlds: share of worlds per group (Wilson 95% interval), own world beside
    const pctOf = (x) => (x === null ? "-" : `${Math.round(100 * x)}%`);
    const rows = [...page.config.groups.map((g) => [g.key, g.title, page.config.palette.groups[g.key]]),
      ["triple_win", "Triple win", null]].map(([k, title, colour]) => {
      const [lo, hi] = v.ci[k];
      const sw = colour ? `<span class="swatch" style="background:${colour}"></span>` : "";
      return `<tr><td>${sw}${escapeHtml(title)}</td><td>${pctOf(v.share[k])}</td>
        <td>${pctOf(lo)} to ${pctOf(hi)}</td><td>${v.own_world[k] ? "yes" : "no"}</td></tr>`;
    }).join("");
    return `<p class="headline ${v.share.triple_win !== null && v.ci.triple_win[0] > 0.5 ? "win" : ""}">${escapeHtml(v.headline)}.</p>
      <table><thead><tr><th>group</th><th>gains in (share of ${v.worlds} worlds)</th>
      <th>95% interval</th><th>gains in this scenario's own world</th></tr></thead><tbody>${rows}</tbody></table>
      <p class="note">In each world your settings and the reference run ${v.replications} paired
      replications; a group gains in a world where the 95% CI of its difference lies above zero.
      ${v.notes.map(escapeHtml).join(" ")}</p>`;
  }

  // ---------------------------------------------------------------------------------------
  // showing a state

  function render() {
    const st = page.state;
    if (!st) return;
    const start = page.config.start_year;
    $("#clock").textContent = st.step === 0 ? `2015Q1 \u00b7 step 0 of ${st.steps}`
      : `${st.quarter} \u00b7 step ${st.step} of ${st.steps}${st.done ? " (done)" : ""}`;
    for (const el of document.querySelectorAll(".ref-name")) el.textContent = st.reference_label;
    const x = Array.from({length: st.step}, (_, i) => start + (i + 1) / 4);
    const prev = page.previous;
    const px = prev ? Array.from({length: prev.steps}, (_, i) => start + (i + 1) / 4) : null;
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
        if (prev) series.push({values: prev.live[s.metric], x: px, colour: s.colour, dotted: true});
        series.push({values: st.reference[s.metric], x, colour: s.colour, dashed: true, label: s.label});
        series.push({values: st.live[s.metric], x, colour: s.colour, label: s.label});
      }
      c.chart.draw(series);
      c.canvas.closest("figure").querySelector(".prev").hidden = !prev;
    }
    const w = st.world;
    window.drawWorld(page.world, w, {summary: w ? `Chinese capacity at home ${fmt(w.home_capacity)} bn/qtr` : ""});
    renderPoint();
    renderDiffers();
    renderLevers();
    $("#run").disabled = st.done && !page.running;
    $("#step").disabled = st.done || page.running;
    $("#reset").disabled = false;
    $("#verdict-btn").disabled = false;
  }

  function renderPoint() {
    const box = $("#point");
    const st = page.state;
    box.innerHTML = "";
    for (const g of page.config.groups) {
      const p = st.point[g.key];
      const colour = page.config.palette.groups[g.key];
      const card = document.createElement("div");
      card.className = "group";
      card.dataset.group = g.key;
      card.style.borderLeftColor = colour;
      let word = "&ndash;", cls = "level";
      if (p) {
        cls = p.ahead;
        word = p.ahead === "level" ? "level" : `${signed(p.difference)} bn`;
      }
      card.innerHTML = `<div class="name">${escapeHtml(g.short)}</div><div class="word ${cls}">${word}</div>`;
      card.title = p ? `welfare index: your run ${fmt(p.live)}, reference ${fmt(p.reference)} (USD bn)` : "";
      box.appendChild(card);
    }
  }

  function renderDiffers() {
    const st = page.state;
    const d = st.differences;
    const label = (n) => { const lv = leverOf(n); return lv ? lv.label : n.replace(/_/g, " "); };
    const val = (n, v) => { const lv = leverOf(n); return lv ? leverText(lv, v) : fmt(v); };
    $("#differs").title = "";
    $("#differs").innerHTML = d.length === 0
      ? `Reference <b>${escapeHtml(st.reference_label)}</b>: the same settings as your run so far (move a lever to see its effect).`
      : `Your run differs from <b>${escapeHtml(st.reference_label)}</b> in ${d.length === 1 ? "one setting" : d.length + " settings"}: `
        + d.map((x) => `<b>${escapeHtml(label(x.name))}</b> ${val(x.name, x.live)} (ref. ${val(x.name, x.reference)})`).join(", ")
        + (d.length > 1 ? ". The difference cannot be credited to any one of them." : ".");
    $("#differs").title = $("#differs").textContent;
  }

  function renderLevers() {
    for (const lv of page.config.levers) {
      const now = page.state.levers[lv.name];
      const row = $(`#lever-${lv.name}`);
      row.querySelector(".sched").hidden = !now.scheduled;
      const ref = row.querySelector(".ref");
      const differs = Math.abs(now.reference - now.value) > 1e-9;
      ref.textContent = differs ? `ref. ${leverText(lv, now.reference)}` : "same in ref.";
      ref.className = "ref" + (differs ? " differs" : "");
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
    $("#summary").textContent = s.name;
    $("#description").innerHTML = prose(s.description);
    $("#about-btn").title = s.description.replace(/\*/g, "");
    if ($("#seed").value === "" || page.seedFrom !== s.key) { $("#seed").value = s.seed; page.seedFrom = s.key; }
  }

  // keep the run just finished (or stopped) to draw it dotted beside the next one
  function keepPrevious() {
    const st = page.state;
    if (st && st.step > 0) page.previous = {live: st.live, steps: st.step};
  }

  // ---------------------------------------------------------------------------------------
  // actions

  async function newRun() {
    keepPrevious();
    setSlidersFromScenario();
    $("#verdict-result").innerHTML = "";
    const data = await api("/api/runs", {scenario: $("#scenario").value,
      seed: $("#seed").value, overrides: {}, reference: referenceSpec()});
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
          seed: $("#seed").value, overrides: overrides(), reference: referenceSpec()});
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

  async function changeReference() {
    try { await post("reference", {reference: referenceSpec()}); } catch (err) { showError(err); }
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
    const nw = Number($("#worlds").value);
    const btn = $("#verdict-go");
    const box = $("#verdict-result");
    btn.disabled = true;
    box.innerHTML = nw
      ? `<p class="note">Running your run and the reference in ${nw} worlds, ${n} paired replications each&hellip;</p>`
      : `<p class="note">Running ${n} paired replications of your run and the reference&hellip;</p>`;
    try {
      if (nw) {
        const v = await api(`/api/runs/${page.runId}/verdict`, {replications: n, worlds: nw});
        box.innerHTML = robustTable(v);
        return;
      }
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
      const verb = winners.length === 1 && winners[0] === "China" ? "gains" : "gain";
      const head = v.triple_win
        ? `Triple win against ${escapeHtml(page.state.reference_label)}: all three groups gain (every 95% CI above zero, ${v.replications} replications).`
        : `No triple win against ${escapeHtml(page.state.reference_label)}: ${winners.length ? winners.join(" and ") + " " + verb : "no group gains"} with confidence (${v.replications} replications).`;
      box.innerHTML = `<p class="headline ${v.triple_win ? "win" : ""}">${head}</p>
        <table><thead><tr><th>group</th><th>your run</th><th>reference</th><th>difference</th>
        <th>95% CI</th><th>verdict</th></tr></thead><tbody>${rows}</tbody></table>
        <p class="note">Welfare index at the end of the run, USD bn, mean over paired
        replications with common random numbers (as <code>triplewin compare</code>). ${$("#differs").innerHTML}</p>`;
    } catch (err) {
      box.innerHTML = "";
      showError(err);
    } finally {
      btn.disabled = false;
    }
  }

  async function start() {
    page.config = await api("/api/config");
    buildPickers();
    buildLevers();
    buildCharts();
    $("#run").addEventListener("click", toggleRun);
    $("#step").addEventListener("click", () => post("step", {n: 1}).catch(showError));
    $("#reset").addEventListener("click", () => {
      stop();
      keepPrevious();
      $("#verdict-result").innerHTML = "";
      post("reset", {seed: $("#seed").value}).catch(showError);
    });
    $("#verdict-btn").addEventListener("click", () => $("#verdict").showModal());
    $("#verdict-close").addEventListener("click", () => $("#verdict").close());
    $("#verdict-go").addEventListener("click", verdict);
    $("#about-btn").addEventListener("click", () => $("#about").showModal());
    $("#about-close").addEventListener("click", () => $("#about").close());
    window.addEventListener("resize", () => render());
    await newRun();
    document.body.dataset.ready = "1";
  }

  start().catch(showError);
})();
