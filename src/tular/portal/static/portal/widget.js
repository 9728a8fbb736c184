/* The "Invite friends" panel (/portal/widget) inside the customer's page: Esc pressed inside
   the iframe asks the page's /static/tular.js to close it (the page cannot see keys pressed
   in here). */
(function () {
  "use strict";
  if (window.parent === window) return;
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      window.parent.postMessage({ tular: "close" }, "*");
    }
  });
})();
