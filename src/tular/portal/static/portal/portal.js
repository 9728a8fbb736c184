/* The portal and landing pages: behaviour on data-* attributes (docs/ui.md). */
/* -- share (H2): templates/portal/_share_buttons.html, portal/share/*.html, portal/sharing.py --
   [data-share-buttons data-share-source=ID]: each button's href is rebuilt from the text of
   #ID as the person types (data-share-template, the encoded text in place of
   data-share-placeholder; data-share-mode says how the channel takes the text, as sharing.py).
   [data-share-copy-of=ID]: a copy button that copies #ID's current text.
   [data-share-use=ID data-share-message=…] (hidden until this runs): put that message in #ID.
   [data-copy-html=ID]: copy #ID's content as rich text (e-mail signature, newsletter block).
   [data-print]: open the print window. */
(function () {
  "use strict";
  function linkPattern(link) {
    return new RegExp(link.replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + "(?:\\?ch=[a-z_]*)?", "g");
  }
  function textFor(text, link, channelLink, mode) {
    var pattern = linkPattern(link);
    if (mode === "inline") {
      if (text.search(pattern) !== -1) return text.replace(pattern, function () { return channelLink; });
      return (text.replace(/\s+$/, "") + " " + channelLink).trim();
    }
    if (mode === "separate") return text.replace(pattern, "").replace(/[ \t]{2,}/g, " ").trim();
    return "";
  }
  function refresh(source) {
    var text = source.value;
    document.querySelectorAll('[data-share-buttons][data-share-source="' + source.id + '"]').forEach(function (box) {
      var link = box.getAttribute("data-share-link"), placeholder = box.getAttribute("data-share-placeholder");
      box.querySelectorAll("[data-share-template]").forEach(function (a) {
        var t = textFor(text, link, a.getAttribute("data-share-channel-link"), a.getAttribute("data-share-mode"));
        a.href = a.getAttribute("data-share-template").split(placeholder).join(encodeURIComponent(t));
      });
    });
    document.querySelectorAll('[data-share-copy-of="' + source.id + '"]').forEach(function (b) { b.setAttribute("data-copy", text); });
  }
  document.addEventListener("input", function (event) {
    var el = event.target;
    if (el.id && el.matches && el.matches("[data-share-text]")) refresh(el);
  });
  function copyRich(button) {
    var source = document.getElementById(button.getAttribute("data-copy-html"));
    if (!source) return;
    var label = button.querySelector(".copy-label") || button, before = label.textContent;
    var done = function () {
      label.textContent = button.getAttribute("data-copied") || "✓";
      window.setTimeout(function () { label.textContent = before; }, 1500);
    };
    if (window.ClipboardItem && navigator.clipboard && navigator.clipboard.write && window.isSecureContext) {
      var item = new window.ClipboardItem({
        "text/html": new Blob([source.innerHTML], { type: "text/html" }),
        "text/plain": new Blob([source.innerText], { type: "text/plain" })
      });
      navigator.clipboard.write([item]).then(done);
      return;
    }
    var range = document.createRange(), selection = window.getSelection();
    range.selectNodeContents(source); selection.removeAllRanges(); selection.addRange(range);
    try { document.execCommand("copy"); done(); } finally { selection.removeAllRanges(); }
  }
  document.addEventListener("click", function (event) {
    if (!event.target.closest) return;
    var use = event.target.closest("[data-share-use]");
    if (use) {
      var area = document.getElementById(use.getAttribute("data-share-use"));
      if (area) { area.value = use.getAttribute("data-share-message"); refresh(area); area.focus(); }
      return;
    }
    var rich = event.target.closest("[data-copy-html]");
    if (rich) { event.preventDefault(); copyRich(rich); return; }
    if (event.target.closest("[data-print]")) window.print();
  });
  function ready() {
    document.querySelectorAll("[data-share-use]").forEach(function (b) { b.hidden = false; });
    document.querySelectorAll("[data-share-text]").forEach(function (el) { if (el.id) refresh(el); });
  }
  if (document.readyState !== "loading") ready(); else document.addEventListener("DOMContentLoaded", ready);
})();
/* -- end share -- */
/* -- refer (portal/refer/page.html) --
   [data-other-of=ID]: shown only while the select #ID says "other" (or its own input has text);
   without this script it is simply always shown. */
(function () {
  "use strict";
  function sync(box) {
    var select = document.getElementById(box.getAttribute("data-other-of"));
    var input = box.querySelector("input");
    if (!select) return;
    box.hidden = select.value !== "other" && !(input && input.value);
  }
  function ready() {
    document.querySelectorAll("[data-other-of]").forEach(function (box) {
      var select = document.getElementById(box.getAttribute("data-other-of"));
      if (!select) return;
      sync(box);
      select.addEventListener("change", function () {
        sync(box);
        var input = box.querySelector("input");
        if (!box.hidden && input) input.focus();
      });
    });
  }
  if (document.readyState !== "loading") ready(); else document.addEventListener("DOMContentLoaded", ready);
})();
/* -- end refer -- */
