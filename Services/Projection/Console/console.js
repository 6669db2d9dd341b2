// The saga console: polls projection-service's read API and, with the admin token, the
// services' dead letters (through projection-service's /admin/services/<name>/… proxy).
// Everything it shows is put in the page as text (textContent, setAttribute), never as HTML,
// so an id such as "<script>…" is shown as it is and never runs.
"use strict";

(() => {
  const TOKEN_KEY = "saga-console.admin-token";
  const STATUSES = ["PENDING", "CONFIRMED", "CANCELLED"];
  const SERVICES = ["order-service", "payment-service", "inventory-service", "projection-service"];
  const LANES = ["order-service", "payment-service", "inventory-service"];
  const POLL_MS = pollInterval();

  const state = {
    view: "orders",
    status: "PENDING",
    timelineOrder: "",
    deadLetterService: "order-service",
    shown: {},          // per table: the data last rendered, so that a poll re-renders only changes
    applied: null,      // the previous /stats sample for the throughput: {at, bySource}
    busy: false,        // a dead-letter action is running: polls leave the table alone
    refreshNotice: false, // the notice is a poll's error (the next good poll clears it), not an action's outcome
    timer: null,
  };

  // ------------------------------------------------------------------ helpers

  /** `?poll=<ms>` in the page's address (250 to 60000), else 2000. */
  function pollInterval() {
    const wanted = Number(new URLSearchParams(location.search).get("poll"));
    return Number.isFinite(wanted) && wanted >= 250 && wanted <= 60000 ? wanted : 2000;
  }

  /** An element with attributes and children; strings become text nodes. */
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === undefined || value === null) continue;
      if (name === "text") node.textContent = String(value);
      else if (name === "onclick") node.addEventListener("click", value);
      else node.setAttribute(name, String(value));
    }
    for (const child of children) {
      node.append(child instanceof Node ? child : document.createTextNode(String(child ?? "")));
    }
    return node;
  }

  /** An SVG element with attributes. */
  function svg(tag, attributes, ...children) {
    const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === "text") node.textContent = String(value);
      else node.setAttribute(name, String(value));
    }
    for (const child of children) node.append(child);
    return node;
  }

  function byId(id) { return document.getElementById(id); }

  function notice(text, kind) {
    const node = byId("notice");
    node.textContent = text || "";
    node.className = kind || "";
  }

  function token() { return sessionStorage.getItem(TOKEN_KEY) || ""; }

  class ConsoleError extends Error {
    constructor(status, code, message) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  /** One request to projection-service; the JSON body, or a ConsoleError in the contract's terms. */
  async function api(method, path, admin) {
    const headers = { Accept: "application/json" };
    if (admin) {
      if (!token()) throw new ConsoleError(0, "no_token", "Enter the admin token (ADMIN_TOKEN) to see and act on dead letters.");
      headers.Authorization = "Bearer " + token();
    }
    let response;
    try {
      response = await fetch(path, { method, headers, cache: "no-store" });
    } catch (error) {
      throw new ConsoleError(0, "no_answer", `${method} ${path}: no answer (${error.message})`);
    }
    const text = await response.text();
    let body = null;
    try { body = text ? JSON.parse(text) : null; } catch (_) { body = null; }
    if (!response.ok) {
      const detail = body && body.error ? body.error : { code: `http_${response.status}`, message: text.slice(0, 200) };
      throw new ConsoleError(response.status, detail.code, `${response.status} ${detail.code}: ${detail.message}`);
    }
    return body;
  }

  /** Whether `data` differs from what table `name` shows; remembers it when it does. */
  function changed(name, data) {
    const signature = JSON.stringify(data);
    if (state.shown[name] === signature) return false;
    state.shown[name] = signature;
    return true;
  }

  function money(cents, currency) {
    return Number.isFinite(cents) ? `${(cents / 100).toFixed(2)} ${currency || ""}`.trim() : "";
  }

  function timeText(value) {
    if (!value) return "";
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? String(value) : date.toISOString().replace("T", " ").replace("Z", "");
  }

  /** `HH:MM:SS.mmm` of a time, for the timeline's boxes. */
  function timeOfDay(value) {
    const text = timeText(value);
    return text.includes(" ") ? text.split(" ")[1] : text;
  }

  function timelineHash(orderId) { return "#/timeline/" + encodeURIComponent(orderId); }

  // ------------------------------------------------------------------ routing

  /** `#/orders/<STATUS>`, `#/timeline/<order id>`, `#/dead-letters/<service>`, `#/lags`. */
  function route() {
    const parts = location.hash.replace(/^#\/?/, "").split("/");
    let argument = "";
    try { argument = decodeURIComponent(parts.slice(1).join("/")); } catch (_) { argument = ""; }
    switch (parts[0]) {
      case "timeline":
        state.view = "timeline";
        state.timelineOrder = argument;
        byId("timeline-order").value = argument;
        break;
      case "dead-letters":
        state.view = "dead-letters";
        if (SERVICES.includes(argument)) state.deadLetterService = argument;
        break;
      case "lags":
        state.view = "lags";
        break;
      default:
        state.view = "orders";
        if (STATUSES.includes(argument)) state.status = argument;
    }
    for (const section of document.querySelectorAll(".view")) {
      section.classList.toggle("active", section.id === "view-" + state.view);
    }
    for (const link of document.querySelectorAll("nav a")) {
      link.classList.toggle("active", link.dataset.view === state.view);
    }
    state.shown = {};
    notice("");
    refreshSoon(0);
  }

  // ------------------------------------------------------------------ orders

  async function refreshOrders() {
    const [stats, page] = await Promise.all([
      api("GET", "/stats"),
      api("GET", "/orders?limit=50&status=" + encodeURIComponent(state.status)),
    ]);
    renderCounts(stats.orders || {});
    renderOrders(page.orders || [], Boolean(page.nextCursor));
  }

  function renderCounts(counts) {
    if (!changed("counts", [counts, state.status])) return;
    const box = byId("status-counts");
    box.replaceChildren(...STATUSES.map((status) => el("button", {
      type: "button",
      class: "count" + (status === state.status ? " selected" : ""),
      "data-status": status,
      onclick: () => { location.hash = "#/orders/" + status; },
    }, el("span", { class: "value status-" + status, "data-count": status, text: counts[status] ?? 0 }), status)));
  }

  function renderOrders(orders, more) {
    if (!changed("orders", [orders, more])) return;
    const rows = orders.map((order) => el("tr", { "data-order-id": order.orderId },
      el("td", { class: "id" }, el("a", { href: timelineHash(order.orderId), text: order.orderId })),
      el("td", { class: "id", text: order.customerId }),
      el("td", { class: "status-" + order.status, text: order.status }),
      el("td", { class: "number", text: money(order.total, order.currency) }),
      el("td", { text: order.payment ? order.payment.status : "" }),
      el("td", { text: order.inventory ? order.inventory.status : "" }),
      el("td", { text: timeText(order.createdAt) })));
    byId("orders-table").tBodies[0].replaceChildren(...rows);
    byId("orders-more").textContent = orders.length === 0 ? `No ${state.status} orders.` : more ? "The 50 newest are shown." : "";
  }

  // ------------------------------------------------------------------ timeline

  async function refreshTimeline() {
    const orderId = state.timelineOrder;
    if (!orderId) {
      byId("timeline-title").textContent = "Pick an order in Orders, or enter its id.";
      byId("timeline-graph").replaceChildren();
      byId("timeline-table").tBodies[0].replaceChildren();
      return;
    }
    const body = await api("GET", "/orders/" + encodeURIComponent(orderId) + "/timeline");
    const events = body.events || [];
    if (!changed("timeline", [orderId, events])) return;
    byId("timeline-title").textContent = `Order ${orderId}: ${events.length} events`;
    byId("timeline-graph").replaceChildren(timelineGraph(events));
    byId("timeline-table").tBodies[0].replaceChildren(...events.map((event, index) => el("tr", { "data-event-id": event.eventId },
      el("td", { class: "number", text: index + 1 }),
      el("td", { text: event.service }),
      el("td", { text: event.eventType }),
      el("td", { class: "id", text: event.eventId }),
      el("td", { class: "id", text: event.causationId || "" }),
      el("td", { class: "id", text: `${event.aggregateType} ${event.aggregateId} v${event.aggregateVersion}` }),
      el("td", { text: timeText(event.occurredAt) }))));
  }

  /** One lane per service, one box per event (causes above their effects), an arrow from each cause to its effects. */
  function timelineGraph(events) {
    const lanes = LANES.slice();
    for (const event of events) if (!lanes.includes(event.service)) lanes.push(event.service);
    const laneWidth = 300, boxWidth = 250, boxHeight = 44, rowHeight = 64, top = 40, left = 20;
    const width = left * 2 + lanes.length * laneWidth;
    const height = top + events.length * rowHeight + 10;
    const boxes = new Map();
    events.forEach((event, row) => {
      const x = left + lanes.indexOf(event.service) * laneWidth + (laneWidth - boxWidth) / 2;
      boxes.set(event.eventId, { x, y: top + row * rowHeight, row, event });
    });

    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "saga timeline" });
    root.append(svg("defs", {}, svg("marker", {
      id: "arrowhead", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse",
    }, svg("path", { d: "M 0 0 L 10 5 L 0 10 z" }))));
    lanes.forEach((lane, index) => {
      const centre = left + index * laneWidth + laneWidth / 2;
      root.append(svg("text", { class: "lane-label", x: centre, y: 22, "text-anchor": "middle", text: lane }));
      root.append(svg("line", { class: "lane", x1: centre, y1: 30, x2: centre, y2: height - 5 }));
    });
    for (const { x, y, event } of boxes.values()) {
      const cause = event.causationId ? boxes.get(event.causationId) : undefined;
      if (!cause) continue;
      root.append(svg("path", {
        class: "arrow", d: arrowPath(cause, { x, y }, cause.row, { boxWidth, boxHeight }), "marker-end": "url(#arrowhead)",
        "data-cause": event.causationId, "data-effect": event.eventId,
      }, svg("title", { text: `${cause.event.eventType} caused ${event.eventType}` })));
    }
    for (const { x, y, event } of boxes.values()) {
      const aggregate = `${event.aggregateType} ${event.aggregateId}`;
      root.append(svg("g", { class: "event service-" + event.service, "data-event-id": event.eventId },
        svg("title", { text: `${event.eventType} ${event.eventId} (${aggregate} v${event.aggregateVersion})` }),
        svg("rect", { x, y, width: boxWidth, height: boxHeight, rx: 6 }),
        svg("text", { x: x + 8, y: y + 18, text: event.eventType }),
        svg("text", { class: "time", x: x + 8, y: y + 35, text: `${timeOfDay(event.occurredAt)} · ${truncate(aggregate, 24)}` })));
    }
    return root;
  }

  /**
   * From the side of the cause to the side of the effect through the gap beside the cause's lane:
   * out of the cause, down the gap to the effect's row, across to the effect. Each row holds one
   * box and the gaps none, so an arrow crosses no other box. Trunks of different causes are
   * offset in the gap so that they stay apart.
   */
  function arrowPath(from, to, row, layout) {
    const y1 = from.y + layout.boxHeight / 2, y2 = to.y + layout.boxHeight / 2;
    const rightward = to.x >= from.x;
    const x1 = rightward ? from.x + layout.boxWidth : from.x;
    const offset = 8 + (row % 4) * 8;
    const trunk = rightward ? x1 + offset : x1 - offset;
    const x2 = rightward && to.x !== from.x ? to.x - 1 : to.x + layout.boxWidth + 1;
    return `M ${x1} ${y1} H ${trunk} V ${y2} H ${x2}`;
  }

  function truncate(text, length) {
    const characters = Array.from(text);
    return characters.length > length ? characters.slice(0, length - 1).join("") + "…" : text;
  }

  // ------------------------------------------------------------------ dead letters

  /** Where a service's dead letters are: projection-service's own, or the others' through its proxy. */
  function deadLetterBase(service) {
    return service === "projection-service" ? "/admin/dead-letters" : `/admin/services/${service}/dead-letters`;
  }

  /** The filter form as a query string; `withAll` adds `all=true` when it is ticked. */
  function filterQuery(withAll) {
    const form = byId("dl-filter");
    const query = new URLSearchParams();
    for (const name of ["eventType", "reason", "source"]) {
      const value = form.elements[name].value.trim();
      if (value) query.set(name, value);
    }
    if (withAll && form.elements.all.checked) query.set("all", "true");
    return query;
  }

  async function refreshDeadLetters() {
    renderServiceTabs();
    if (!token()) {
      changed("dead-letters", null);
      byId("dl-table").tBodies[0].replaceChildren();
      byId("dl-summary").textContent = "Enter the admin token (ADMIN_TOKEN) above to see and act on dead letters.";
      return;
    }
    if (state.busy) return;
    const service = state.deadLetterService;
    const query = filterQuery(false);
    query.set("limit", "100");
    const page = await api("GET", `${deadLetterBase(service)}?${query}`, true);
    if (state.busy || service !== state.deadLetterService) return;
    renderDeadLetters(service, page);
  }

  function renderServiceTabs() {
    if (!changed("dl-tabs", state.deadLetterService)) return;
    byId("dl-services").replaceChildren(...SERVICES.map((service) => el("button", {
      type: "button", class: "tab" + (service === state.deadLetterService ? " selected" : ""), "data-service": service,
      onclick: () => { location.hash = "#/dead-letters/" + service; },
    }, service)));
  }

  function renderDeadLetters(service, page) {
    const messages = page.deadLetters || [];
    if (!changed("dead-letters", [service, messages, page.total])) return;
    byId("dl-summary").textContent = `${service}: ${page.total} parked` + (page.total > messages.length ? `, the first ${messages.length} shown` : "");
    byId("dl-table").tBodies[0].replaceChildren(...messages.map((message) => el("tr", { "data-message-id": message.id },
      el("td", { class: "id", text: message.id }),
      el("td", { text: message.reason || "" }),
      el("td", { text: message.eventType || "" }),
      el("td", { text: message.source || "" }),
      el("td", { class: "number", text: message.attempts }),
      el("td", { text: timeText(message.parkedAt) }),
      el("td", { class: "error", text: truncate(message.error || "", 160) }),
      el("td", {},
        el("button", { type: "button", class: "replay", "data-for": message.id, onclick: () => act("POST", service, message.id) }, "Replay"),
        " ",
        el("button", { type: "button", class: "delete", "data-for": message.id, onclick: () => act("DELETE", service, message.id) }, "Delete")))));
  }

  /** Replays (POST) or deletes (DELETE) one parked message, or, without an id, every one matching the filter. */
  async function act(method, service, id) {
    const base = deadLetterBase(service);
    let path;
    if (id !== undefined) {
      path = method === "POST" ? `${base}/${encodeURIComponent(id)}/replay` : `${base}/${encodeURIComponent(id)}`;
    } else {
      const query = filterQuery(true);
      path = (method === "POST" ? `${base}/replay` : base) + (query.toString() ? `?${query}` : "");
    }
    state.busy = true;
    try {
      const body = await api(method, path, true);
      const verb = method === "POST" ? "Replayed" : "Deleted";
      const what = id !== undefined ? `message ${id}` : `${method === "POST" ? body.replayed : body.deleted} matching message(s)`;
      notice(`${verb} ${what} on ${service}.`, "ok");
    } catch (error) {
      notice(error.message, "error");
    } finally {
      state.refreshNotice = false;
      state.busy = false;
      state.shown["dead-letters"] = undefined;
      refreshSoon(0);
    }
  }

  // ------------------------------------------------------------------ lags

  async function refreshLags() {
    const stats = await api("GET", "/stats");
    const now = performance.now();
    const sources = stats.sources || {};
    const previous = state.applied;
    state.applied = { at: now, bySource: Object.fromEntries(Object.entries(sources).map(([name, source]) => [name, source.eventsApplied])) };
    const rows = Object.keys(sources).sort().map((name) => {
      const source = sources[name];
      let throughput = "…";
      if (previous && previous.bySource[name] !== undefined && now > previous.at) {
        throughput = (Math.max(0, source.eventsApplied - previous.bySource[name]) / ((now - previous.at) / 1000)).toFixed(1);
      }
      return el("tr", { "data-source": name },
        el("td", { text: name }),
        el("td", { class: "number", text: source.position }),
        el("td", { class: "number", text: source.headPosition }),
        el("td", { class: "number", "data-lag": name, text: (stats.lag || {})[name] ?? "" }),
        el("td", { class: "number", text: source.eventsApplied }),
        el("td", { class: "number", text: throughput }),
        el("td", { text: timeText(source.lastEventAt) }));
    });
    byId("lags-table").tBodies[0].replaceChildren(...rows);
  }

  // ------------------------------------------------------------------ polling

  const refreshers = { orders: refreshOrders, timeline: refreshTimeline, "dead-letters": refreshDeadLetters, lags: refreshLags };

  async function refresh() {
    const view = state.view;
    try {
      await refreshers[view]();
      if (view === state.view && state.refreshNotice) notice("");
    } catch (error) {
      if (view === state.view) {
        notice(error.message, "error");
        state.refreshNotice = true;
      }
    } finally {
      document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
      refreshSoon(POLL_MS);
    }
  }

  function refreshSoon(delay) {
    clearTimeout(state.timer);
    state.timer = setTimeout(refresh, delay);
  }

  // ------------------------------------------------------------------ start

  function showTokenState() {
    byId("token-state").textContent = token() ? "token set for this tab" : "no token";
  }

  document.addEventListener("DOMContentLoaded", () => {
    byId("poll-seconds").textContent = String(POLL_MS / 1000);
    byId("token-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const value = byId("token").value.trim();
      if (value) sessionStorage.setItem(TOKEN_KEY, value);
      byId("token").value = "";
      showTokenState();
      state.shown = {};
      refreshSoon(0);
    });
    byId("token-forget").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      showTokenState();
      state.shown = {};
      refreshSoon(0);
    });
    byId("timeline-form").addEventListener("submit", (event) => {
      event.preventDefault();
      location.hash = timelineHash(byId("timeline-order").value.trim());
    });
    byId("dl-filter").addEventListener("submit", (event) => {
      event.preventDefault();
      state.shown = {};
      refreshSoon(0);
    });
    byId("dl-replay-matching").addEventListener("click", () => act("POST", state.deadLetterService));
    byId("dl-delete-matching").addEventListener("click", () => act("DELETE", state.deadLetterService));
    window.addEventListener("hashchange", route);
    showTokenState();
    route();
  });
})();
