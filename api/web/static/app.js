// Zero Backlog dashboard: the service's server-sent events, turned into htmx refreshes.
// Panels name what refreshes them, e.g. hx-trigger="zb-window from:body"; events are
// zb-window (a new window plan), zb-exception (a new exception), zb-state and
// zb-state-<what> (orders, stock, teams, warehouse, exceptions changed), zb-notice.
(function () {
  "use strict";
  const EVENTS = ["window", "exception", "state", "notice"];

  function say(text, state) {
    const live = document.getElementById("live");
    if (live) {
      live.textContent = text;
      live.dataset.state = state;
    }
  }

  function toast(message) {
    const box = document.getElementById("toast");
    if (!box) return;
    box.textContent = message;
    box.hidden = false;
    clearTimeout(box._timer);
    box._timer = setTimeout(() => { box.hidden = true; }, 8000);
  }

  function time() {
    return new Date().toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  }

  function describe(name, data) {
    if (name === "window") return "window " + data.window + " planned: " + data.planned + " planned, " + data.backlog + " at risk";
    if (name === "exception") return "new exception: " + data.order + " " + data.code;
    if (name === "state") return data.what + " changed";
    return data.message || name;
  }

  const ACTIVITY_KEPT = 8;

  function remember(text) {
    const list = document.getElementById("activity");
    if (!list) return;
    const hint = list.querySelector(".hint");
    if (hint) hint.remove();
    const item = document.createElement("li");
    const when = document.createElement("time");
    when.textContent = time();
    item.append(when, " " + text);
    list.prepend(item);
    while (list.children.length > ACTIVITY_KEPT) list.lastElementChild.remove();
  }

  function connect() {
    if (document.body.dataset.live !== "on" || !window.EventSource) return;
    const source = new EventSource("/ui/events");
    source.addEventListener("hello", () => say("Live", "on"));
    for (const name of EVENTS) {
      source.addEventListener(name, (event) => {
        const data = JSON.parse(event.data || "{}");
        document.body.dispatchEvent(new CustomEvent("zb-" + name, { detail: data }));
        if (name === "state") {
          document.body.dispatchEvent(new CustomEvent("zb-state-" + data.what, { detail: data }));
        }
        if (name === "notice") toast(data.message);
        say("Live · " + describe(name, data) + " (" + time() + ")", "on");
        remember(describe(name, data));
      });
    }
    source.onerror = () => say("Reconnecting…", "off");
    window.addEventListener("pagehide", () => source.close());
  }

  document.addEventListener("htmx:responseError", (event) => {
    const xhr = event.detail.xhr;
    let message = xhr.status + " " + xhr.statusText;
    try {
      const body = JSON.parse(xhr.responseText);
      if (body.errors) message = body.errors.map((e) => (e.field ? e.field + ": " : "") + e.message).join("; ");
      else if (body.detail) message = String(body.detail);
    } catch (_) { /* not JSON: an HTML notice is swapped in by the server's status */ }
    toast(message);
  });
  document.addEventListener("htmx:sendError", () => toast("The service did not answer."));
  // A refused form (422) answered as HTML is meant to be shown: swap it in.
  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    if (xhr.status === 422 && xhr.responseText.startsWith("<p class=\"notice\"")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A panel marked data-sync-panel lets one request run at a time: its refresh
  // (data-refresh) gives way to a request in flight, a click replaces one. A refresh given
  // way is owed, and is made once the request's answer is in: no change goes unseen.
  const PANEL = "[data-sync-panel]";
  document.addEventListener("htmx:beforeRequest", (event) => {
    const panel = event.target.closest(PANEL);
    if (panel) panel.dataset.busy = "";
  });
  document.addEventListener("htmx:confirm", (event) => {
    const panel = event.target.closest(PANEL);
    if (panel && "busy" in panel.dataset && event.target.matches("[data-refresh]")) {
      panel.dataset.owed = "";
    }
  });
  // (After a swap the element that asked is gone; htmx tells its panel instead.)
  document.addEventListener("htmx:afterRequest", (event) => {
    const panel = event.target.closest(PANEL);
    if (!panel) return;
    delete panel.dataset.busy;
    if ("owed" in panel.dataset) {
      delete panel.dataset.owed;
      setTimeout(() => {  // (once htmx has let go of the request just answered)
        const refresh = panel.querySelector("[data-refresh]");
        if (refresh) {
          htmx.ajax("GET", refresh.getAttribute("hx-get"), { source: refresh, target: refresh, swap: "outerHTML" });
        }
      }, 0);
    }
  });

  document.addEventListener("DOMContentLoaded", connect);
})();
