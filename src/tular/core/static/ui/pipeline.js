/* The pipeline board (console/pipeline/board.html): drag a card to another column, or use the
   card's "Move to…" form; both send the same form (Accept: application/json) to the move view,
   which calls referral_move — the service of PATCH /api/v1/referrals/{id}. Moving to lost asks
   for the reason, reopening a lost or dark lead asks to confirm; a refused move (409, 422) snaps
   the card back and the message is shown and announced (role=status). Plain HTML5 drag and drop:
   no library. Without JavaScript the card's form posts and the page comes back. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    var board = document.querySelector("[data-pipeline-board]");
    if (!board) return;
    var status = document.getElementById("pipeline-status");
    var dragged = null;
    var origin = null;

    function say(text, bad) {
      status.textContent = text;
      status.className = "pipeline-status alert " + (bad ? "alert-danger" : "alert-success");
    }

    function columnOf(name) {
      return board.querySelector('[data-drop="' + name + '"]');
    }

    function recount(column, delta) {
      var badge = column && column.closest(".pipeline-column").querySelector("[data-count]");
      if (badge) badge.textContent = String(Math.max(0, parseInt(badge.textContent, 10) + delta));
    }

    // Resolves to {reason, reopen} or null when the person cancels.
    function ask(card, target) {
      var form = card.querySelector(".pipeline-move-form");
      var typed = form ? form.querySelector("[name=reason]").value.trim() : "";
      var reopen = card.getAttribute("data-reopen") === "1";
      var dialog = null;
      if (reopen) dialog = document.getElementById("pipeline-reopen");
      else if (target === "lost" && !typed) dialog = document.getElementById("pipeline-lost");
      if (!dialog) return Promise.resolve({ reason: typed, reopen: reopen });
      dialog.querySelectorAll("[data-dialog-name]").forEach(function (el) {
        el.textContent = card.getAttribute("data-name");
      });
      var field = dialog.querySelector("[name=reason]");
      if (field) field.value = "";
      return new Promise(function (resolve) {
        dialog.addEventListener("close", function done() {
          dialog.removeEventListener("close", done);
          if (dialog.returnValue !== "ok") { resolve(null); return; }
          resolve({ reason: field ? field.value.trim() : typed, reopen: reopen });
        });
        dialog.returnValue = "";
        dialog.showModal();
      });
    }

    function snapBack(card, from) {
      if (from && from.parent) {
        from.parent.insertBefore(card, from.next && from.next.parentNode === from.parent ? from.next : null);
      }
    }

    // Sends the move; `from` is where the card was (to snap back to), null when not yet moved.
    function send(card, target, answer, from) {
      var form = card.querySelector(".pipeline-move-form");
      var data = new FormData(form);
      data.set("status", target);
      data.set("reason", answer.reason || "");
      if (answer.reopen) data.set("reopen", "1"); else data.delete("reopen");
      say(board.getAttribute("data-msg-moving"), false);
      return fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (result) {
        if (!result.ok) {
          snapBack(card, from);
          if (from) { recount(from.parent, 1); recount(columnOf(target), -1); }
          say(result.body.message, true);
          card.focus();
          return;
        }
        var holder = document.createElement("div");
        holder.innerHTML = result.body.card.trim();
        var fresh = holder.firstElementChild;
        var column = columnOf(result.body.status);
        if (!from) { recount(card.parentNode, -1); recount(column, 1); }
        card.remove();
        column.insertBefore(fresh, column.firstChild);
        fresh.focus();
        say(result.body.message, false);
      }).catch(function () {
        snapBack(card, from);
        if (from) { recount(from.parent, 1); recount(columnOf(target), -1); }
        say(board.getAttribute("data-msg-failed"), true);
      });
    }

    function move(card, target, from) {
      return ask(card, target).then(function (answer) {
        if (!answer) {
          snapBack(card, from);
          if (from) { recount(from.parent, 1); recount(columnOf(target), -1); }
          card.focus();
          return;
        }
        return send(card, target, answer, from);
      });
    }

    // The card's "Move to…" form (keyboard, or a mouse without dragging).
    board.addEventListener("submit", function (event) {
      var form = event.target.closest(".pipeline-move-form");
      if (!form) return;
      event.preventDefault();
      var card = form.closest(".pipeline-card");
      move(card, form.querySelector("[name=status]").value, null);
    });

    // Drag and drop.
    board.addEventListener("dragstart", function (event) {
      var card = event.target.closest && event.target.closest(".pipeline-card[draggable=true]");
      if (!card) return;
      dragged = card;
      origin = { parent: card.parentNode, next: card.nextSibling };
      event.dataTransfer.effectAllowed = "move";
      event.dataTransfer.setData("text/plain", card.getAttribute("data-lead"));
      card.classList.add("pipeline-dragging");
      var moves = (card.getAttribute("data-moves") || "").split(",");
      board.querySelectorAll("[data-drop]").forEach(function (column) {
        if (moves.indexOf(column.getAttribute("data-drop")) !== -1) column.classList.add("pipeline-drop-ok");
      });
    });
    board.addEventListener("dragend", function () {
      if (dragged) dragged.classList.remove("pipeline-dragging");
      board.querySelectorAll(".pipeline-drop-ok, .pipeline-drop-over").forEach(function (column) {
        column.classList.remove("pipeline-drop-ok", "pipeline-drop-over");
      });
    });
    board.addEventListener("dragover", function (event) {
      var column = event.target.closest && event.target.closest("[data-drop]");
      if (!column || !dragged) return;
      event.preventDefault();  // every column takes the drop: the server says yes or why not
      event.dataTransfer.dropEffect = "move";
      column.classList.add("pipeline-drop-over");
    });
    board.addEventListener("dragleave", function (event) {
      var column = event.target.closest && event.target.closest("[data-drop]");
      if (column && !column.contains(event.relatedTarget)) column.classList.remove("pipeline-drop-over");
    });
    board.addEventListener("drop", function (event) {
      var column = event.target.closest && event.target.closest("[data-drop]");
      if (!column || !dragged) return;
      event.preventDefault();
      var card = dragged, from = origin;
      dragged = null;
      column.classList.remove("pipeline-drop-over");
      if (column === from.parent) return;
      column.insertBefore(card, column.firstChild);  // shown there at once; snaps back if refused
      recount(from.parent, -1);
      recount(column, 1);
      move(card, column.getAttribute("data-drop"), from);
    });
  });
})();
