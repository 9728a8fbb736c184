/*! Tular snippet (docs/snippet.md). On your own site it keeps the referral a visitor came
 * with (?via=CODE&tular_click=ID, added by Tular's /r/ link) in a first-party cookie,
 * tular_ref, and puts it in your sign-up form's hidden inputs tular_via / tular_click. It can
 * open the "Invite friends" panel. No dependencies; it sends nothing anywhere. */
(function (w, d) {
  "use strict";
  if (w.Tular && w.Tular.ref) return;
  var script = d.currentScript || d.querySelector('script[src*="/static/tular.js"]');
  var data = (script && script.dataset) || {};
  var a = d.createElement("a");
  a.href = (script && script.src) || "/";
  var origin = data.origin || a.protocol + "//" + a.host;  // Tular's, for the panel
  var ID = { via: /^[A-Za-z0-9][\w-]{0,63}$/, click: /^[0-9A-Fa-f-]{32,36}$/ };
  var COOKIE = "tular_ref";

  function clean(value, kind) { return ID[kind].test(value || "") ? value : ""; }
  function param(name) {
    var m = new RegExp("[?&]" + name + "=([^&#]*)").exec(w.location.search);
    try { return m ? decodeURIComponent(m[1]) : ""; } catch (e) { return ""; }
  }
  function fromCookie() {
    var m = new RegExp("(?:^|;\\s*)" + COOKIE + "=([^;]*)").exec(d.cookie);
    var ref = { via: "", click: "" };
    (m ? m[1] : "").split("&").forEach(function (pair) {
      var kv = pair.split("=");
      if (kv[0] === "via" || kv[0] === "click") {
        try { ref[kv[0]] = clean(decodeURIComponent(kv[1] || ""), kv[0]); } catch (e) { /* bad */ }
      }
    });
    return ref.via || ref.click ? ref : null;
  }
  function setCookie(value, seconds) {
    var domain = /^[\w.-]+$/.test(data.domain || "") ? "; Domain=" + data.domain : "";
    d.cookie = COOKIE + "=" + value + "; Max-Age=" + seconds + "; Path=/; SameSite=Lax" +
      domain + (w.location.protocol === "https:" ? "; Secure" : "");
  }

  // A visit through a Tular link replaces what an earlier one stored.
  var visit = { via: clean(param("via"), "via"), click: clean(param("tular_click"), "click") };
  if (visit.via || visit.click) {
    var days = Math.min(parseInt(data.days, 10) || 30, 400);
    setCookie("via=" + encodeURIComponent(visit.via) + "&click=" + encodeURIComponent(visit.click),
      Math.max(days, 1) * 86400);
  } else {
    visit = null;
  }
  function ref() { return fromCookie() || visit; }

  function fill(root) {
    var found = ref();
    if (found) {
      ["via", "click"].forEach(function (key) {
        var inputs = (root || d).querySelectorAll(
          'input[name="tular_' + key + '"],input[data-tular="' + key + '"]');
        for (var i = 0; i < inputs.length; i++) inputs[i].value = found[key];
      });
    }
    return found;
  }
  function start() {
    fill();
    if (!w.MutationObserver) return;
    var later = 0;  // forms added later (a single-page app): filled once the DOM settles
    new MutationObserver(function () {
      if (!later) later = setTimeout(function () { later = 0; fill(); }, 50);
    }).observe(d.documentElement, { childList: true, subtree: true });
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", start); else start();
  d.addEventListener("submit", function (e) { fill(e.target); }, true);

  // The "Invite friends" panel: a modal dialog around an iframe of Tular's /portal/widget.
  var open = null;
  function styled(tag, css) {  // CSSOM, not a style attribute: fine under a strict CSP
    var el = d.createElement(tag);
    el.style.cssText = css;
    return el;
  }
  function openPanel(options) {
    options = options || {};
    var token = options.token;
    if (token && typeof token.then === "function") {
      return token.then(function (t) { return openPanel({ token: t, title: options.title }); });
    }
    if (!token) throw new Error("Tular.openPanel needs {token}");
    closePanel();
    var id = /^id\b/i.test(data.lang || d.documentElement.lang || "");
    var title = options.title || (id ? "Ajak teman" : "Invite friends");
    var overlay = styled("div", "position:fixed;top:0;right:0;bottom:0;left:0;z-index:2147483647;" +
      "background:rgba(0,0,0,.55);display:flex;align-items:center;justify-content:center;padding:12px");
    var box = styled("div", "background:#fff;border-radius:8px;width:100%;max-width:440px;" +
      "height:100%;max-height:620px;display:flex;flex-direction:column;overflow:hidden");
    box.setAttribute("role", "dialog");
    box.setAttribute("aria-modal", "true");
    box.setAttribute("aria-label", title);
    var close = styled("button", "align-self:flex-end;width:44px;height:44px;border:0;" +
      "background:none;color:#333;font:28px/1 sans-serif;cursor:pointer");
    close.type = "button";
    close.textContent = "\u00d7";
    close.setAttribute("aria-label", id ? "Tutup" : "Close");
    var frame = styled("iframe", "border:0;width:100%;flex:1 1 auto");
    frame.title = title;
    frame.setAttribute("allow", "clipboard-write");
    frame.src = origin + "/portal/widget?token=" + encodeURIComponent(token);
    // Focus stays inside: the guards before and after send it round.
    var first = d.createElement("span"), last = d.createElement("span");
    first.tabIndex = last.tabIndex = 0;
    first.addEventListener("focus", function () { frame.focus(); });
    last.addEventListener("focus", function () { close.focus(); });
    close.addEventListener("click", closePanel);
    overlay.addEventListener("click", function (e) { if (e.target === overlay) closePanel(); });
    [first, close, frame, last].forEach(function (el) { box.appendChild(el); });
    overlay.appendChild(box);
    open = { overlay: overlay, box: box, frame: frame, close: close, back: d.activeElement,
      overflow: d.documentElement.style.overflow };
    d.documentElement.style.overflow = "hidden";
    d.body.appendChild(overlay);
    close.focus();
    return overlay;
  }
  function closePanel() {
    if (!open) return;
    var was = open;
    open = null;
    was.overlay.parentNode.removeChild(was.overlay);
    d.documentElement.style.overflow = was.overflow;
    if (was.back && was.back.focus) was.back.focus();
  }
  d.addEventListener("keydown", function (e) {
    if (open && (e.key === "Escape" || e.key === "Esc")) closePanel();
  });
  d.addEventListener("focusin", function (e) {
    if (open && !open.box.contains(e.target)) open.close.focus();
  });
  w.addEventListener("message", function (e) {  // Esc pressed inside the panel
    if (open && e.source === open.frame.contentWindow && e.data && e.data.tular === "close") {
      closePanel();
    }
  });
  d.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest("[data-tular-invite]");
    if (!button) return;
    e.preventDefault();
    openPanel({ token: button.getAttribute("data-tular-token") });
  });

  w.Tular = {
    ref: ref,
    fill: fill,
    openPanel: openPanel,
    closePanel: closePanel,
    clear: function () { visit = null; setCookie("", 0); },
    origin: origin
  };
})(window, document);
