// Behaviour of the S3 Gateway console that plain HTML cannot give: copy buttons, submitting
// the organization selector when it changes, and the expiry countdowns of the key history. A file, because the Content-Security-Policy
// forbids inline scripts. Listeners sit on the document, so content that htmx swaps in works too.
"use strict";

document.documentElement.classList.add("js");

document.addEventListener("click", (event) => {
  const button = event.target instanceof Element ? event.target.closest("[data-copy-target]") : null;
  if (!button) return;
  const source = document.getElementById(button.dataset.copyTarget ?? "");
  if (!source) return;
  copyText(source).then(
    () => showResult(button, "Copied"),
    () => showResult(button, "Press Ctrl+C"),
  );
});

document.addEventListener("change", (event) => {
  const target = event.target;
  if (target instanceof HTMLSelectElement && target.hasAttribute("data-submit-on-change") && target.form) {
    target.form.requestSubmit();
  }
});

// The Clipboard API needs a secure context (HTTPS or loopback). Elsewhere the text is selected
// and copied with execCommand, and if that fails too it stays selected for the user to copy.
async function copyText(source) {
  const text = source.textContent ?? "";
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  const range = document.createRange();
  range.selectNodeContents(source);
  const selection = window.getSelection();
  selection?.removeAllRanges();
  selection?.addRange(range);
  if (!document.execCommand("copy")) throw new Error("copy command failed");
}

function showResult(button, text) {
  const original = button.dataset.label ?? button.textContent;
  button.dataset.label = original;
  button.textContent = text;
  button.classList.add("is-done");
  clearTimeout(Number(button.dataset.timer));
  const timer = setTimeout(() => {
    button.textContent = original;
    button.classList.remove("is-done");
  }, 2000);
  button.dataset.timer = String(timer);
}

// Elements with data-countdown="<ISO time>" show the time left, in the same words the server
// renders (src/web/format.ts formatRemaining), refreshed every 30 seconds.
function formatRemaining(end, now) {
  const seconds = Math.floor((end - now) / 1000);
  if (seconds <= 0) return "ended";
  if (seconds < 60) return `in ${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  if (days > 0) return `in ${days} d ${hours} h`;
  if (hours > 0) return `in ${hours} h ${minutes % 60} min`;
  return `in ${minutes} min`;
}

function updateCountdowns() {
  const now = Date.now();
  for (const element of document.querySelectorAll("[data-countdown]")) {
    const end = Date.parse(element.getAttribute("data-countdown") ?? "");
    if (!Number.isNaN(end)) element.textContent = formatRemaining(end, now);
  }
}

setInterval(updateCountdowns, 30_000);
document.addEventListener("htmx:afterSettle", updateCountdowns);

// A panel that shows a key's configuration (or its secret, right after generation) must not stay
// on screen once that key is revoked or deleted, so it is replaced by a notice after each swap.
document.addEventListener("htmx:afterSettle", () => {
  const panel = document.getElementById("credential-panel");
  const shown = panel ? panel.querySelector("[data-panel-key]") : null;
  if (!panel || !shown) return;
  const accessKeyId = shown.getAttribute("data-panel-key") ?? "";
  const row = document.querySelector(`[data-testid="credential-row"][data-access-key-id="${CSS.escape(accessKeyId)}"]`);
  const status = row ? row.querySelector('[data-testid="credential-status"]') : null;
  const state = !row ? "deleted" : status && status.textContent.trim() === "revoked" ? "revoked" : undefined;
  if (!state) return;
  const notice = document.createElement("p");
  notice.className = "notice";
  notice.setAttribute("role", "status");
  notice.dataset.testid = "panel-closed";
  notice.textContent = `Access key ${accessKeyId} was ${state}, so its configuration is no longer shown.`;
  panel.replaceChildren(notice);
});
