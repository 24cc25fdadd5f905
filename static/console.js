// Behaviour of the S3 Gateway console that plain HTML cannot give: copy buttons, and submitting
// the organization selector when it changes. A file, because the Content-Security-Policy
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
