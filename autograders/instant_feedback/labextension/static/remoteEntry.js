// Grading on arrival in nbgrader's assignment list (README: "Feedback in seconds").
//
// A prebuilt JupyterLab extension written by hand, so that it installs from the project's own files with no
// npm build: JupyterLab loads this file and asks the container it registers (webpack's module federation
// protocol: init, get) for "./extension", one plugin that needs none of JupyterLab's shared modules.
//
// The plugin reads the student's server (GET dlcourse/instant-feedback, autograders/instant_feedback/
// assignment_list.py) and writes into nbgrader's own assignment list, next to each submission, its state
// (queued, grading, graded with the score, failed with the reason) and, on the assignment's rows, the attempts
// left. When a graded submission's feedback is released, it fetches it with nbgrader's own fetch_feedback, and
// "open feedback" opens it in JupyterLab. nbgrader lists assignments alphabetically and without deadlines: the
// plugin puts each list in the course's order (the course page first) and shows each assignment's number, title
// and due date from the course's schedule. Everything it shows is set as text, never as markup.
(function () {
  'use strict';
  const NAME = '@dlcourse/instant-feedback';
  const POLL_MS = 2000; // while a submission waits or is being graded
  const WATCH_MS = 1000; // how often it looks whether nbgrader's assignment list is open
  const WAITING = new Set(['queued', 'grading']);
  const LISTS = ['released_assignments_list', 'fetched_assignments_list', 'submitted_assignments_list'];

  function configData() {
    return JSON.parse(document.getElementById('jupyter-config-data').textContent);
  }

  function xsrfToken() {
    // JupyterLab's own requests send the server's _xsrf cookie back in the X-XSRFToken header
    const match = document.cookie.match(/(?:^|;\s*)_xsrf=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : '';
  }

  function nbgraderId(course, assignment) {
    // as nbgrader's assignment list names an assignment's element
    return ('nbgrader-' + course + '-' + assignment).replace(/ /g, '_').replace(/[^A-Za-z0-9\-_]/g, '');
  }

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function rowName(row) {
    // an assignment's row in any of nbgrader's three lists: its first item_name is the assignment's own
    const label = row.querySelector('.item_name');
    return label ? label.textContent.trim() : '';
  }

  function points(value) {
    return String(Math.round(value * 100) / 100);
  }

  const STYLE = `
    .dlcourse-feedback { margin-left: 0.5em; }
    .dlcourse-feedback[data-state="graded"] { color: var(--jp-success-color1, #388e3c); }
    .dlcourse-feedback[data-state="failed"] { color: var(--jp-error-color1, #d32f2f); }
    .dlcourse-feedback[data-state="queued"], .dlcourse-feedback[data-state="grading"] {
      color: var(--jp-warn-color1, #f57c00); }
    .dlcourse-feedback a, .dlcourse-attempts { cursor: pointer; margin-left: 0.5em; }
    .dlcourse-feedback a { text-decoration: underline; }
    .dlcourse-attempts { color: var(--jp-ui-font-color2, #616161); }
    .dlcourse-feedback-error { color: var(--jp-error-color1, #d32f2f); }
    .dlcourse-schedule { color: var(--jp-ui-font-color2, #616161); margin-left: 0.5em; }
  `;

  class AssignmentListFeedback {
    constructor(app) {
      this.app = app;
      this.base = configData().baseUrl;
      this.watched = new WeakSet();
      this.asked = new Set(); // feedback already fetched once: assignment + timestamp
      this.timer = null;
    }

    start() {
      document.head.appendChild(element('style', '', STYLE));
      setInterval(() => this.watch(), WATCH_MS);
    }

    watch() {
      // nbgrader renders its lists by replacing the rows of these containers: a new rendering is redecorated
      for (const id of LISTS) {
        const list = document.getElementById(id);
        if (list && !this.watched.has(list)) {
          this.watched.add(list);
          new MutationObserver(mutations => {
            if (mutations.some(m => [...m.addedNodes].some(n => n.classList && n.classList.contains('list_item')))) {
              this.schedule(0);
            }
          }).observe(list, { childList: true });
          this.schedule(0);
        }
      }
    }

    schedule(delay) {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = setTimeout(() => {
        this.timer = null;
        this.refresh();
      }, delay);
    }

    course() {
      const button = document.getElementById('course_list_default');
      return button ? button.textContent.trim() : '';
    }

    async refresh() {
      if (!document.getElementById('submitted_assignments_list')) return;
      let status;
      try {
        // the hub's servers want the XSRF token with every request authenticated by cookie, reads included
        const reply = await fetch(this.base + 'dlcourse/instant-feedback',
          { credentials: 'same-origin', headers: { 'X-XSRFToken': xsrfToken() } });
        status = await reply.json();
      } catch (error) {
        status = { error: 'the state of your submissions cannot be read right now' };
      }
      const course = this.course();
      this.showSchedule(status.schedule || []);
      this.showError(status.error);
      const assignments = status.assignments || {};
      let waiting = false;
      for (const [name, assignment] of Object.entries(assignments)) {
        this.showAttempts(course, name, assignment);
        for (const submission of assignment.submissions) {
          waiting = waiting || WAITING.has(submission.state);
          this.showSubmission(course, name, submission);
          this.fetchWhenReleased(course, name, submission);
        }
      }
      if (waiting || status.error) this.schedule(POLL_MS);
    }

    showSchedule(schedule) {
      if (!schedule.length) return;
      const scheduled = new Map(schedule.map(entry => [entry.name, entry]));
      const rank = row => {
        const entry = scheduled.get(rowName(row));
        return entry ? entry.number : 0; // the course page, and anything unscheduled, first
      };
      for (const id of LISTS) {
        const list = document.getElementById(id);
        if (!list) continue;
        const rows = [...list.querySelectorAll(':scope > .list_item')];
        for (const row of rows) {
          const entry = scheduled.get(rowName(row));
          const label = row.querySelector('.item_name');
          if (!entry || !label || label.parentNode.querySelector(':scope > .dlcourse-schedule')) continue;
          const text = `${entry.number}. ${entry.title} · due ${entry.due}`;
          label.after(element('span', 'dlcourse-schedule', text));
        }
        // moved only when out of order: each move is a mutation that the list's observer answers with a refresh
        const ordered = [...rows].sort((a, b) => rank(a) - rank(b));
        if (ordered.some((row, i) => row !== rows[i])) ordered.forEach(row => list.appendChild(row));
      }
    }

    showError(message) {
      const list = document.getElementById('submitted_assignments_list');
      let line = document.getElementById('dlcourse-feedback-error');
      if (!message) {
        if (line) line.remove();
        return;
      }
      if (!line) {
        line = element('div', 'dlcourse-feedback-error');
        line.id = 'dlcourse-feedback-error';
        list.parentNode.insertBefore(line, list);
      }
      line.textContent = 'Grading on arrival: ' + message;
    }

    showSubmission(course, name, submission) {
      const rows = document.getElementById(nbgraderId(course, name) + '-submissions');
      if (!rows) return;
      for (const row of rows.querySelectorAll(':scope > .list_item')) {
        const label = row.querySelector('.item_name');
        if (!label || !label.firstChild || label.firstChild.textContent.trim() !== submission.timestamp) continue;
        const place = row.querySelector('.item_status');
        const old = place.querySelector('.dlcourse-feedback');
        if (old) old.remove();
        place.appendChild(this.stateOf(submission));
      }
    }

    stateOf(submission) {
      const span = element('span', 'dlcourse-feedback');
      span.dataset.state = submission.state;
      span.dataset.timestamp = submission.timestamp;
      const state = submission.state;
      if (state === 'queued') {
        span.textContent = submission.ahead ? `queued: ${submission.ahead} ahead` : 'queued: next';
      } else if (state === 'grading') {
        span.textContent = 'grading…';
      } else if (state === 'replaced') {
        span.textContent = 'not graded: a newer submission replaced it';
      } else if (state === 'off') {
        span.textContent = 'graded by your instructor';
      } else if (state === 'graded' || state === 'failed') {
        const scored = submission.score === null ? '' : `${points(submission.score)} / ${points(submission.max_score)} points`;
        const manual = submission.manual_points ? ` (+ ${points(submission.manual_points)} graded by hand)` : '';
        const reason = state === 'failed' ? `failed: ${submission.reason} ` : '';
        span.appendChild(element('span', 'dlcourse-score', `${reason}${scored}${manual}`));
        if (submission.counts) span.appendChild(element('span', 'dlcourse-counts', ' (the one that counts)'));
        if (submission.local_feedback.length) {
          const link = element('a', 'dlcourse-open-feedback', 'open feedback');
          link.onclick = () => this.app.commands.execute('docmanager:open', { path: submission.local_feedback[0] });
          span.appendChild(link);
        } else if (submission.feedback === 'held back') {
          span.appendChild(element('span', '', ' (feedback held back for your instructor)'));
        } else if (submission.feedback === 'released') {
          span.appendChild(element('span', '', ' (fetching feedback…)'));
        }
      }
      return span;
    }

    showAttempts(course, name, assignment) {
      const attempts = assignment.attempts;
      if (!assignment.instant_feedback) return;
      const text = attempts.allowed
        ? `${attempts.left} of ${attempts.allowed} submissions left this ${attempts.per}`
        : 'graded on arrival';
      const rows = [];
      const fetched = document.getElementById('fetched_assignments_list');
      for (const row of fetched ? fetched.querySelectorAll(':scope > .list_item') : []) {
        const label = row.querySelector('.item_name');
        if (label && label.textContent.trim() === name) rows.push(row);
      }
      const submissions = document.getElementById(nbgraderId(course, name) + '-submissions');
      if (submissions) rows.push(submissions.parentNode);
      for (const row of rows) {
        const place = row.querySelector('.item_status');
        if (!place) continue;
        let note = place.querySelector(':scope > .dlcourse-attempts');
        if (!note) {
          note = element('span', 'dlcourse-attempts');
          note.dataset.assignment = name;
          place.appendChild(note);
        }
        note.textContent = text;
      }
    }

    async fetchWhenReleased(course, name, submission) {
      const key = name + '|' + submission.timestamp;
      if (submission.feedback !== 'released' || submission.local_feedback.length || this.asked.has(key)) return;
      this.asked.add(key);
      // nbgrader's fetch_feedback, as its own button calls it; then its list is rendered again
      await fetch(this.base + 'assignments/fetch_feedback', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-XSRFToken': xsrfToken() },
        body: JSON.stringify({ course_id: course, assignment_id: name })
      });
      const refresh = document.getElementById('refresh_assignments_list');
      if (refresh) refresh.click();
    }
  }

  const plugin = {
    id: NAME + ':assignment-list',
    description: 'The state, score and feedback of each submission graded on arrival, in the assignment list',
    autoStart: true,
    activate: app => new AssignmentListFeedback(app).start()
  };
  const modules = { './extension': () => ({ __esModule: true, default: [plugin] }) };
  (window._JUPYTERLAB = window._JUPYTERLAB || {})[NAME] = {
    init: () => undefined, // it shares no module and needs none
    get: module => modules[module]
      ? Promise.resolve(modules[module])
      : Promise.reject(new Error(`${NAME} has no module ${module}`))
  };
})();
