// The report's print button (a script file: the pages' Content-Security-Policy allows no inline handlers).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
