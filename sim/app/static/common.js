// Shared by the classroom page (app.js) and the class game (game.js): JSON requests to this
// machine's server, the error box, HTML escaping. No outside requests.
"use strict";

(function () {
  // GET (no body) or POST a JSON body; the server's {"error": ...} becomes the thrown message
  async function api(path, body) {
    const opts = body === undefined ? {} : {method: "POST",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
    const res = await fetch(path, opts);
    const data = await res.json().catch(() => ({error: res.statusText}));
    if (!res.ok) throw new Error(data.error || res.statusText);
    return data;
  }

  function showError(err) {
    const box = document.querySelector("#error");
    box.textContent = String(err && err.message ? err.message : err);
    box.hidden = false;
    clearTimeout(showError.t);
    showError.t = setTimeout(() => { box.hidden = true; }, 8000);
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;",
      '"': "&quot;", "'": "&#39;"}[c]));
  }

  window.tw = {api, showError, escapeHtml};
})();
