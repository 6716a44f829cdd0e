// "Print this checklist": shown only when scripts run, prints the page. No inline handlers (CSP).
document.querySelectorAll("[data-print]").forEach((button) => {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
});
