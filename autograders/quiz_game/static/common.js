// Shared by the player's and the host's screens: building DOM from data (text only, never HTML),
// the service's API with the hub's XSRF token, the websocket that keeps the screen current, the clock.
"use strict";

const Quiz = (() => {
  const screen = document.getElementById("screen");
  const prefix = screen.dataset.prefix;
  const xsrf = screen.dataset.xsrf;
  const SHAPES = ["▲", "◆", "●", "■", "★", "⬟"];
  let clockOffset = 0; // server time minus this device's time, in seconds
  let deadline = null;

  // el("p", {class: "x"}, "text", child): every string becomes a text node
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else if (key === "dataset") Object.assign(node.dataset, value);
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  async function api(method, path, body) {
    const options = {method, headers: {"X-XSRFToken": xsrf}, credentials: "same-origin"};
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    let reply;
    try {
      reply = await fetch(prefix + path, options);
    } catch (err) {
      return {ok: false, status: 0, data: {error: "the quiz service cannot be reached"}};
    }
    let data = {};
    try { data = await reply.json(); } catch (err) { data = {}; }
    return {ok: reply.ok, status: reply.status, data};
  }

  // the websocket: every message is this user's whole view; reconnects after a restart of the service
  function connect(view, onView) {
    const banner = document.getElementById("connection");
    let delay = 500, failures = 0;
    function open() {
      const scheme = location.protocol === "https:" ? "wss:" : "ws:";
      const ws = new WebSocket(`${scheme}//${location.host}${prefix}api/events?view=${view}`);
      ws.onopen = () => { banner.hidden = true; delay = 500; failures = 0; };
      ws.onmessage = (event) => {
        const state = JSON.parse(event.data);
        clockOffset = state.now - Date.now() / 1000;
        onView(state);
      };
      ws.onclose = () => {
        banner.hidden = false;
        failures += 1;
        // after a long outage the hub's login may have to be renewed: a reload goes through it
        if (failures > 20) { location.reload(); return; }
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 4000);
      };
    }
    open();
  }

  function secondsLeft() {
    if (deadline === null) return null;
    return Math.max(0, deadline - (Date.now() / 1000 + clockOffset));
  }

  // the element with id "countdown", if the screen has one, shows the open question's seconds left
  function setDeadline(value) { deadline = value; tick(); }
  function tick() {
    const node = document.getElementById("countdown");
    const left = secondsLeft();
    if (node && left !== null) node.textContent = String(Math.ceil(left));
  }
  setInterval(tick, 200);

  function shape(position) { return SHAPES[position % SHAPES.length]; }

  function show(...children) { screen.replaceChildren(...children); }

  function error(message) { return el("p", {class: "error", role: "alert"}, message); }

  // a question's frame, as both screens show it: its number and its text
  function questionBox(game) {
    const q = game.question;
    return el("section", {class: `question ${q.kind}`, id: "question", dataset: {index: q.index}},
      el("p", {class: "counter"}, `Question ${q.index + 1} of ${game.questions}`),
      el("p", {class: "text", id: "question-text"}, q.text));
  }

  return {el, api, connect, setDeadline, shape, show, error, questionBox, prefix};
})();
