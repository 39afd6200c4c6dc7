// The player's screen: join with one click, answer the open question once, see the result at the reveal.
"use strict";

(() => {
  const {el, api, connect, setDeadline, shape, show, error, questionBox} = Quiz;
  let state = null;
  let picked = new Set(); // a multi-select answer being put together
  let shownQuestion = null;
  let message = null; // the last refusal, shown until the next change

  connect("player", (next) => {
    const q = next.game && next.game.question;
    const key = next.game && q ? `${next.game.id}:${q.index}` : null;
    if (key !== shownQuestion) { picked = new Set(); message = null; shownQuestion = key; }
    state = next;
    render();
  });

  async function send(path, body) {
    const reply = await api("POST", path, body);
    if (!reply.ok) { message = reply.data.error || `refused (${reply.status})`; render(); }
  }

  function answer(value) {
    send("api/answer", {game: state.game.id, question: state.game.question.index, answer: value});
  }

  function render() {
    const game = state.game;
    if (!game || (game.phase === "ended" && !game.joined)) {
      setDeadline(null);
      return show(el("h1", {}, "No game right now"),
                  el("p", {class: "status"}, "When your instructor starts one, it appears here."));
    }
    const parts = [el("h1", {id: "title"}, game.title)];
    if (!game.joined) {
      parts.push(el("p", {class: "status"}, game.phase === "open"
        ? "A question is under way: join now and play from the next one." : "The game is about to start."));
      parts.push(el("button", {id: "join", class: "big", onclick: () => send("api/join", {})}, "Join the game"));
    } else if (game.phase === "lobby") {
      parts.push(el("p", {class: "status", id: "waiting"}, "You are in! The first question comes soon."));
    } else if (game.phase === "ended") {
      parts.push(finalStanding(game));
    } else {
      parts.push(question(game));
    }
    if (message) parts.push(error(message));
    setDeadline(game.phase === "open" && game.question ? game.question.deadline : null);
    show(...parts);
  }

  function question(game) {
    const q = game.question;
    const box = questionBox(game);
    if (game.phase === "open") {
      box.append(el("p", {class: "countdown-line"}, el("span", {id: "countdown"}), " s"));
      if (!q.eligible) {
        box.append(el("p", {class: "status", id: "late"}, "You joined during this question: you play from the next one."));
      } else if (q.answered) {
        box.append(el("p", {class: "status", id: "answered"}, "Answer sent. Wait for the time to be up…"));
      } else {
        box.append(answerForm(q));
      }
    } else {
      box.append(result(q, game));
    }
    return box;
  }

  function answerForm(q) {
    if (q.kind === "number") {
      const input = el("input", {id: "number", type: "text", inputmode: "decimal", autocomplete: "off",
                                 "aria-label": "your answer"});
      const submit = () => {
        const value = Number(input.value.trim().replace(",", "."));
        if (input.value.trim() === "" || !Number.isFinite(value)) { message = "write a number"; render(); return; }
        answer(value);
      };
      input.addEventListener("keydown", (event) => { if (event.key === "Enter") submit(); });
      return el("div", {class: "number-form"}, input, el("button", {id: "submit", class: "big", onclick: submit}, "Send"));
    }
    const options = el("div", {class: "options"}, q.options.map((o, i) =>
      el("button", {class: `option shape-${i}${picked.has(o.key) ? " picked" : ""}`, dataset: {key: o.key},
                    "aria-pressed": q.kind === "multi" ? String(picked.has(o.key)) : false,
                    onclick: () => {
                      if (q.kind === "choice") return answer(o.key);
                      if (picked.has(o.key)) picked.delete(o.key); else picked.add(o.key);
                      render();
                    }},
         el("span", {class: "shape", "aria-hidden": "true"}, shape(i)), el("span", {class: "label"}, o.text))));
    if (q.kind === "choice") return options;
    return el("div", {}, options, el("button", {id: "submit", class: "big", disabled: picked.size === 0,
      onclick: () => answer([...picked])}, "Send"));
  }

  function result(q, game) {
    const r = q.result;
    const verdict = !q.eligible ? el("p", {class: "verdict none", id: "verdict"}, "You joined during this question.")
      : !q.answered ? el("p", {class: "verdict none", id: "verdict"}, "Time is up: no answer.")
      : r.correct ? el("p", {class: "verdict right", id: "verdict"}, `Right! +${r.points}`)
      : el("p", {class: "verdict wrong", id: "verdict"}, "Wrong.");
    const texts = Object.fromEntries(q.options.map((o) => [o.key, o.text]));
    const expected = q.kind === "number" ? String(r.expected) : r.expected.map((k) => texts[k]).join(" · ");
    return el("div", {class: "result"}, verdict,
      el("p", {class: "expected"}, "The answer: ", el("strong", {id: "expected"}, expected)),
      standing(game));
  }

  function standing(game) {
    const s = game.standing;
    if (!s) return null;
    return el("p", {class: "standing", id: "standing"}, `${s.points} points · place ${s.place} of ${s.of}`);
  }

  function finalStanding(game) {
    return el("section", {class: "final"}, el("p", {class: "verdict"}, "Game over!"), standing(game));
  }
})();
