// triplewin class game: /join (a student's device) and /class (the instructor's screen). The
// groups, their levers and the lever sliders come from /api/config (sim.app.game.GROUP_LEVERS and
// the lever declarations); nothing about the groups is written here.
"use strict";

(function () {
  const $ = (sel) => document.querySelector(sel);
  const teacher = document.body.classList.contains("teacher");
  const g = {config: null, token: null, key: null, group: null, state: null, chart: null,
    built: false};

  const {api, showError} = window.tw;
  const esc = window.tw.escapeHtml;
  function fmt(v) {
    const a = Math.abs(v);
    return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(2);
  }
  function signed(v) { return (v > 0 ? "+" : v < 0 ? "\u2212" : "\u00b1") + fmt(Math.abs(v)); }
  const lever = (name) => g.config.levers.find((l) => l.name === name)
    || (g.config.game.stances || []).find((l) => l.name === name);
  const colour = (group) => g.config.palette.groups[group];
  const text = (lv, v) => (lv.high > 1.0001 ? Number(v).toFixed(1) : Number(v).toFixed(2));
  function auth() { return teacher ? {key: g.key} : {token: g.token}; }

  function clock(st) {
    const where = st.step ? `${st.quarter}` : "2015Q1, not started";
    return `round ${st.round} of ${st.rounds} \u00b7 ${where}${st.over ? " \u00b7 game over" : ""}`;
  }

  // each group's welfare index minus the reference's, now
  function resultCards(st) {
    return Object.keys(g.config.game.names).filter((k) => st.gains[k]).map((k) => {
      const d = st.gains[k].difference;
      const now = d.length ? d[d.length - 1] : 0;
      const cls = !d.length ? "" : now > 0 ? "up" : now < 0 ? "down" : "";
      return `<div class="result" data-group="${k}" style="border-left-color:${colour(k)}">
        <div>${esc(g.config.game.names[k])}</div>
        <div class="big ${cls}">${d.length ? signed(now) + " bn" : "\u2013"}</div>
        <div class="note">welfare index against ${esc(st.reference)}, same world (one run)</div></div>`;
    }).join("");
  }

  // ---------------------------------------------------------------------------------------
  // a student

  function buildJoin() {
    const box = $("#group-choice");
    for (const [key, name] of Object.entries(g.config.game.names)) {
      const b = document.createElement("button");
      b.type = "button";
      b.dataset.group = key;
      b.style.borderLeftColor = colour(key);
      const levers = g.config.game.groups[key].map((n) => lever(n).label).join(", ");
      b.innerHTML = `<b>${esc(name)}</b><br><small>${esc(levers)}</small>`;
      b.addEventListener("click", () => join(key));
      box.appendChild(b);
    }
  }

  async function join(group) {
    try {
      const st = await api("/api/game/join", {code: $("#code").value, group});
      g.token = st.token;
      g.group = group;
      sessionStorage.setItem("triplewin-game", JSON.stringify({token: g.token, group}));
      start(st);
    } catch (err) { showError(err); }
  }

  function buildLevers() {
    const box = $("#my-levers");
    box.innerHTML = `<h2>Your levers</h2>` + (g.config.game.groups[g.group].length ? ""
      : `<p class="note">Your governments hold no lever in this version of the model: watch
         the world, argue with the other groups, and read your result.</p>`);
    for (const name of g.config.game.groups[g.group]) {
      const lv = lever(name);
      const row = document.createElement("div");
      row.className = "lever";
      row.id = `lever-${name}`;
      row.innerHTML = `<div class="top"><label for="in-${name}">${esc(lv.label)}</label>
          <output id="out-${name}"></output></div>
        <input id="in-${name}" type="range" min="${lv.low}" max="${lv.high}" step="${lv.step}" data-lever="${name}">
        <div class="meta"><span>${esc(lv.unit)}</span><span class="pending-note"></span></div>
        <p class="meaning">${esc(lv.meaning)}</p>`;
      box.appendChild(row);
      const input = row.querySelector("input");
      input.addEventListener("input", () => { row.querySelector("output").textContent = text(lv, input.value); });
      input.addEventListener("change", async () => {
        try {
          g.state = await api("/api/game/move", {...auth(), name, value: Number(input.value)});
          render();
        } catch (err) { showError(err); render(); }
      });
    }
  }

  function renderPlayer() {
    const st = g.state;
    $("#who").textContent = `you play ${st.you.name}`;
    $("#status").className = "status" + (st.frozen ? " frozen" : "");
    $("#status").textContent = st.over ? "The game is over."
      : st.frozen ? "Moves are frozen by the instructor."
      : `Set your levers: they act from ${st.next_quarter}, when the instructor plays the next round.`;
    const mine = st.groups[g.group].levers;
    for (const name of Object.keys(mine)) {
      const lv = lever(name), row = $(`#lever-${name}`);
      const v = mine[name].pending !== null && mine[name].pending !== undefined ? mine[name].pending : mine[name].value;
      const input = row.querySelector("input");
      if (document.activeElement !== input) input.value = v;
      row.querySelector("output").textContent = text(lv, input.value);
      row.classList.toggle("pending", mine[name].pending !== null && mine[name].pending !== undefined);
      row.querySelector(".pending-note").textContent = mine[name].pending !== null && mine[name].pending !== undefined
        ? `now ${text(lv, mine[name].value)}, next round ${text(lv, mine[name].pending)}` : "";
      input.disabled = st.frozen || st.over;
    }
    $("#results").innerHTML = resultCards(st) + (st.revealed ? "" :
      `<p class="note">The instructor reveals the other groups' results.</p>`);
    $("#player-world").hidden = !st.world;
    if (st.world) window.drawWorld($("#player-world canvas"), st.world, {});
  }

  // ---------------------------------------------------------------------------------------
  // the instructor

  function renderTeacher() {
    const st = g.state;
    $("#join-url").textContent = st.join_address || (location.origin + "/join");
    $("#join-code").textContent = st.code;
    $("#advance").disabled = st.over;
    $("#advance").textContent = st.over ? "Game over" : `Play round ${st.round + 1} (${st.round_quarters / 4} years)`;
    $("#freeze").textContent = st.frozen ? "Allow moves" : "Freeze moves";
    $("#reveal").textContent = st.revealed ? "Hide from players" : "Reveal to players";
    $("#teams").innerHTML = Object.entries(st.groups).map(([k, grp]) => {
      const rows = Object.entries(grp.levers).map(([n, x]) => {
        const lv = lever(n);
        const pend = x.pending !== null && x.pending !== undefined ? ` \u2192 <b>${text(lv, x.pending)}</b>` : "";
        return `<tr><td>${esc(lv.label)}</td><td>${text(lv, x.value)}${pend}</td></tr>`;
      }).join("");
      return `<div class="team" style="border-left-color:${colour(k)}"><h2>${esc(grp.name)}
        <small>${grp.players} device${grp.players === 1 ? "" : "s"}</small></h2><table>${rows}</table></div>`;
    }).join("");
    $("#results").innerHTML = resultCards(st);
    const start = g.config.start_year;
    if (!g.chart) {
      g.chart = new window.LineChart($("#chart-diff canvas"), {percent: false, includeZero: true,
        minSpan: 1, xmin: start, xmax: start + st.steps / 4});
      $("#diff-legend").innerHTML = Object.keys(g.config.game.names).map((k) =>
        `<span><i style="border-color:${colour(k)}"></i>${esc(g.config.game.names[k])}</span>`).join("");
    }
    const x = Array.from({length: st.step}, (_, i) => start + (i + 1) / 4);
    g.chart.draw(Object.keys(st.gains).map((k) => ({values: st.gains[k].difference, x,
      colour: colour(k), label: g.config.game.names[k]})));
    if (st.world) window.drawWorld($("#teacher-world canvas"), st.world, {});
    $("#moves").textContent = st.moves.length ? "Moves so far: " + st.moves.map((m) =>
      `${m.quarter} ${g.config.game.names[m.group]}: ${lever(m.lever).label} ${text(lever(m.lever), m.value)}`).join("; ") : "No move yet.";
  }

  async function admin(action) {
    try { g.state = await api("/api/game/admin", {...auth(), action}); render(); } catch (err) { showError(err); }
  }

  async function download() {
    try {
      const d = await api("/api/game/scenario", auth());
      const a = document.createElement("a");
      a.href = URL.createObjectURL(new Blob([d.yaml], {type: "text/yaml"}));
      a.download = d.filename;
      document.body.appendChild(a); a.click(); a.remove();
    } catch (err) { showError(err); }
  }

  // ---------------------------------------------------------------------------------------

  function render() {
    if (!g.state) return;
    $("#clock").textContent = clock(g.state);
    if (teacher) renderTeacher(); else renderPlayer();
    document.body.dataset.round = String(g.state.round);
  }

  async function poll() {
    try {
      g.state = await api("/api/game/state", auth());
      render();
    } catch (err) {
      showError(err);
      if (/join again/.test(err.message)) { sessionStorage.removeItem("triplewin-game"); location.reload(); return; }
    }
    setTimeout(poll, teacher ? 1500 : 2000);
  }

  function start(st) {
    if (!teacher) {
      $("#join-form").hidden = true;
      $("#play").hidden = false;
      buildLevers();
    }
    g.state = st;
    render();
    document.body.dataset.ready = "1";
    setTimeout(poll, 1500);
  }

  async function boot() {
    g.config = await api("/api/config");
    if (!g.config.game) throw new Error("no class game is running on this server");
    if (teacher) {
      g.key = new URLSearchParams(location.hash.slice(1)).get("key") || "";
      $("#advance").addEventListener("click", () => admin("advance"));
      $("#freeze").addEventListener("click", () => admin(g.state.frozen ? "unfreeze" : "freeze"));
      $("#reveal").addEventListener("click", () => admin(g.state.revealed ? "hide" : "reveal"));
      $("#download").addEventListener("click", download);
      start(await api("/api/game/state", auth()));
      return;
    }
    buildJoin();
    $("#join-form").addEventListener("submit", (e) => e.preventDefault());
    const saved = JSON.parse(sessionStorage.getItem("triplewin-game") || "null");
    if (saved) {
      g.token = saved.token; g.group = saved.group;
      try { start(await api("/api/game/state", auth())); return; } catch (err) { sessionStorage.removeItem("triplewin-game"); g.token = null; }
    }
    document.body.dataset.ready = "1";
  }

  boot().catch(showError);
})();
