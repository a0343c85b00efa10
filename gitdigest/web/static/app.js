// gitdigest's page: runs digests through POST /api/run (progress as JSON lines), toggles
// tree entries into the patterns, copies. No build step, no dependencies.
"use strict";

const TOKEN_KEY = "gitdigest-token"; // kept in this tab only (sessionStorage), sent as a header

function show(id, text) {
  const el = document.getElementById(id);
  if (!el) return;
  if (text !== undefined) el.replaceChildren(...withFlags(text));
  el.hidden = false;
}

// A message as text nodes, the server options it names (--allow-host HOST) as unbreakable
// <code>: a refusal says what the operator can change.
function withFlags(text) {
  return String(text).split(/(--[a-z][a-z-]*(?: [A-Z]+)?)/).map((part, i) => {
    if (i % 2 === 0) return document.createTextNode(part);
    const code = document.createElement("code");
    code.textContent = part;
    return code;
  });
}

function formOptions(form) {
  const options = { source: form.elements.source.value.trim() };
  for (const el of form.querySelectorAll("[data-option]")) {
    if (el.disabled) continue; // not available on this server
    if (el.type === "checkbox") {
      if (el.checked) options[el.name] = !el.dataset.negated;
    } else if (el.dataset.widget === "patterns") {
      const list = el.value.split(",").map((p) => p.trim()).filter(Boolean);
      if (list.length) options[el.name] = list;
    } else if (el.value.trim() !== "") {
      options[el.name] = el.value.trim();
    }
  }
  return options;
}

async function runDigest(request) {
  const lines = document.getElementById("progress-lines");
  lines.replaceChildren();
  document.getElementById("error").hidden = true;
  show("progress");
  const headers = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers["X-Git-Token"] = token;
  const fail = (message) => {
    document.getElementById("progress").hidden = true;
    show("error", message);
    const button = document.getElementById("submit");
    if (button) button.disabled = false;
  };
  let response;
  try {
    response = await fetch("/api/run", { method: "POST", headers, body: JSON.stringify(request) });
  } catch (error) {
    return fail("The server could not be reached: " + error);
  }
  if (!response.ok) {
    const body = await response.json().catch(() => ({ error: response.statusText }));
    return fail(body.error);
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const event = JSON.parse(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      if (event.progress) {
        const li = document.createElement("li");
        li.textContent = event.progress;
        lines.append(li);
      } else if (event.url) {
        window.location.assign(event.url);
        return;
      } else if (event.error) {
        return fail(event.error);
      }
    }
    if (done) return fail("The digest stopped unexpectedly.");
  }
}

function setUpForm(form) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const token = document.getElementById("token").value.trim();
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    else sessionStorage.removeItem(TOKEN_KEY);
    document.getElementById("submit").disabled = true;
    runDigest(formOptions(form));
  });
  if (form.dataset.autostart) form.requestSubmit();
}

// Clicking a tree entry leaves it out (an anchored --exclude) or, for an entry our patterns
// left out, takes that pattern back; then the same request runs again.
function toggled(request, path, state) {
  const anchored = "/" + path;
  const same = (p) => [anchored, path, anchored.replace(/\/$/, ""), path.replace(/\/$/, "")].includes(p);
  const next = JSON.parse(JSON.stringify(request));
  next.exclude = next.exclude || [];
  next.include = next.include || [];
  if (state === "in") {
    next.exclude.push(anchored);
  } else if (state === "excluded" && next.exclude.some(same)) {
    next.exclude = next.exclude.filter((p) => !same(p));
  } else if (state === "excluded" && next.include.length) {
    next.include.push(anchored);
  } else {
    return null;
  }
  return next;
}

function setUpResult() {
  const request = JSON.parse(document.getElementById("request").textContent);
  document.getElementById("tree").addEventListener("click", (event) => {
    const button = event.target.closest("button.toggle");
    if (!button) return;
    const next = toggled(request, button.dataset.path, button.dataset.state);
    if (next === null) {
      show("error", button.dataset.path + " is left out by " + button.dataset.state +
        ", not by a pattern of this page.");
      return;
    }
    runDigest(next);
  });
  document.getElementById("copy").addEventListener("click", async (event) => {
    const pre = document.getElementById("digest");
    const text = pre ? pre.textContent : await (await fetch(event.target.dataset.raw)).text();
    await navigator.clipboard.writeText(text);
    show("copied");
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("digest-form");
  if (form) setUpForm(form);
  if (document.getElementById("request")) setUpResult();
});
