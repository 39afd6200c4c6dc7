// The host's screen, for the projector: pick a bank, start, run each question with its countdown and
// live count of answers, then its distribution and the leaderboard; at the end the room's accuracy,
// the CSV and the gradebook.
"use strict";

(() => {
  const {el, api, connect, setDeadline, shape, show, error, prefix, questionBox} = Quiz;
  let state = null;
  let message = null;
  let banks = null; // the bank list, fetched when the start form is shown
  let games = null; // past games

  connect("host", (next) => {
    const phase = (g) => (g ? `${g.id}:${g.phase}:${g.recorded}` : "");
    if (state && phase(state.game) !== phase(next.game)) games = null; // the past games' list changed
    state = next;
    render();
  });

  async function act(path, body) {
    const reply = await api("POST", path, body === undefined ? {} : body);
    message = reply.ok ? null : (reply.data.error || `refused (${reply.status})`);
    if (!reply.ok) render();
    return reply;
  }

  let loading = false;
  async function loadLists() {
    if (loading) return;
    loading = true;
    const [b, g] = await Promise.all([api("GET", "api/banks"), api("GET", "api/games")]);
    banks = b.ok ? b.data.banks : [];
    games = g.ok ? g.data.games : [];
    loading = false;
    render();
  }

  function render() {
    const game = state.game;
    const parts = [];
    if (!game || game.phase === "ended") {
      if (game) parts.push(ended(game));
      parts.push(startForm());
    } else {
      parts.push(el("h1", {id: "title"}, game.title));
      if (game.phase === "lobby") parts.push(lobby(game));
      else parts.push(question(game));
    }
    if (message) parts.push(error(message));
    setDeadline(game && game.phase === "open" ? game.question.deadline : null);
    show(...parts);
  }

  function startForm() {
    if (banks === null || games === null) { loadLists(); return el("p", {class: "status"}, "Loading the banks…"); }
    const select = el("select", {id: "bank", "aria-label": "question bank"},
      banks.map((b) => el("option", {value: b.name, disabled: Boolean(b.error)},
        b.error ? `${b.name}: cannot be played` : `${b.title} (${b.questions} questions)`)));
    const broken = banks.filter((b) => b.error).map((b) => el("li", {class: "error"}, b.error));
    return el("section", {class: "start"},
      el("h2", {}, "Start a game"), select,
      el("button", {id: "start", class: "big", onclick: async () => {
        const reply = await act("api/games", {bank: select.value});
        if (reply.ok) { banks = null; games = null; }
      }}, "Start"),
      broken.length ? el("ul", {class: "bank-errors"}, broken) : null,
      pastGames());
  }

  function pastGames() {
    if (!games || !games.length) return null;
    return el("section", {class: "past"}, el("h2", {}, "Past games"),
      el("ul", {}, games.slice().reverse().map((g) => el("li", {},
        `${g.title} · ${g.players} players${g.recorded ? " · in the gradebook" : ""} `,
        el("a", {href: `${prefix}api/games/${encodeURIComponent(g.id)}/results.csv`, download: true}, "CSV")))));
  }

  function lobby(game) {
    return el("section", {class: "lobby"},
      el("p", {class: "join-hint"}, "Students: open the Quiz from the hub's home page (Services → quiz) and join."),
      el("p", {class: "count"}, el("span", {id: "player-count"}, String(game.players.length)), " joined"),
      el("ul", {class: "players", id: "players"}, game.players.map((p) => el("li", {}, p))),
      el("button", {id: "next", class: "big", onclick: () => act(`api/games/${game.id}/next`)}, "First question"));
  }

  function question(game) {
    const q = game.question;
    const box = questionBox(game);
    if (game.phase === "open") {
      box.append(el("div", {class: "live"},
        el("p", {class: "countdown-big"}, el("span", {id: "countdown"}), " s"),
        el("p", {class: "count"}, el("span", {id: "answer-count"}, String(q.answered)), ` of ${q.eligible} answered`)));
      if (q.options.length) box.append(optionList(q.options));
      box.append(el("button", {id: "close", onclick: () => act(`api/games/${game.id}/close`)}, "Stop the time"));
      return box;
    }
    box.append(distribution(q), leaderboard(game.leaderboard));
    const last = q.index + 1 >= game.questions;
    box.append(el("div", {class: "actions"},
      last ? null : el("button", {id: "next", class: "big", onclick: () => act(`api/games/${game.id}/next`)}, "Next question"),
      el("button", {id: "end", class: last ? "big" : "", onclick: () => act(`api/games/${game.id}/end`)}, "End the game")));
    return box;
  }

  function optionList(options) {
    return el("ol", {class: "host-options"}, options.map((o, i) =>
      el("li", {class: `shape-${i}`}, el("span", {class: "shape"}, shape(i)), " ", o.text)));
  }

  function bar(label, count, total, classes, key) {
    const fill = el("span", {class: "fill"});
    fill.style.width = `${total ? (100 * count) / total : 0}%`; // CSSOM: allowed by the page's CSP
    return el("li", {class: `bar ${classes}`, dataset: key ? {key} : {}},
      el("span", {class: "bar-label"}, label), el("span", {class: "track"}, fill),
      el("span", {class: "bar-count"}, String(count)));
  }

  function distribution(q) {
    const d = q.distribution;
    const total = Math.max(d.eligible, d.answered, 1);
    let bars;
    if (q.kind === "number") {
      bars = [bar("right", d.right, total, "correct", "right"), bar("wrong", d.wrong, total, "", "wrong")];
    } else {
      bars = d.options.map((o, i) => bar(`${shape(i)} ${o.text}${o.correct ? "  ✓" : ""}`, o.count, total,
                                          `shape-${i}${o.correct ? " correct" : ""}`, o.key));
    }
    bars.push(bar("no answer", d.none, total, "none", "none"));
    const note = q.kind === "number"
      ? (q.per_student ? "Each student had their own numbers." : `The answer: ${q.expected}`)
      : `${d.right} of ${d.answered} right`;
    return el("section", {class: "distribution"}, el("h2", {}, "Answers"),
      el("ul", {class: "bars", id: "distribution"}, bars), el("p", {class: "note"}, note));
  }

  function leaderboard(rows) {
    return el("section", {class: "leaderboard"}, el("h2", {}, "Leaderboard"),
      el("ol", {id: "leaderboard"}, (rows || []).map((r) =>
        el("li", {dataset: {student: r.student, points: r.points}},
          el("span", {class: "who"}, r.student), el("span", {class: "points"}, `${r.points}`)))));
  }

  function ended(game) {
    const accuracy = el("table", {class: "accuracy", id: "accuracy"},
      el("thead", {}, el("tr", {}, el("th", {}, "#"), el("th", {}, "question"), el("th", {}, "right"))),
      el("tbody", {}, game.accuracy.map((a) => el("tr", {},
        el("td", {}, String(a.index + 1)), el("td", {}, a.text),
        el("td", {}, `${a.right} of ${a.eligible}`, el("span", {class: "track small"}, (() => {
          const fill = el("span", {class: "fill"});
          fill.style.width = `${a.eligible ? (100 * a.right) / a.eligible : 0}%`;
          return fill;
        })()))))));
    const record = el("button", {id: "record", disabled: game.recorded, onclick: async () => {
      const reply = await act(`api/games/${game.id}/gradebook`);
      if (reply.ok) message = null;
    }}, game.recorded ? "Recorded in the gradebook" : "Record in the gradebook");
    return el("section", {class: "ended"},
      el("h1", {id: "title"}, `${game.title}: final results`),
      leaderboard(game.leaderboard),
      el("h2", {}, "The room's accuracy"), accuracy,
      el("div", {class: "actions"},
        el("a", {id: "csv", class: "button", href: `${prefix}api/games/${encodeURIComponent(game.id)}/results.csv`,
                 download: true}, "Download CSV"), record));
  }
})();
