// The admin page. Every chart and summary is computed here, in the browser, by the package's
// browser entry from the raw usage JSONL the server sends; the other tabs call the server's
// routes. The token lives in this module's memory only (never storage, never a cookie).

import { summarizeUsageJsonlByTime, summarizeUsageJsonlDetailed } from "/pkg/dist/browser.js";

let token = "";
const $ = (id) => document.getElementById(id);
const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const usd = (n) => `$${(n ?? 0).toFixed(n >= 100 ? 2 : 4)}`;
const int = (n) => Math.round(n ?? 0).toLocaleString("en-US");

function show(text, kind = "error") {
  const box = $("message");
  box.textContent = text;
  box.className = kind === "info" ? "info" : "";
  box.hidden = false;
}

async function api(method, path, body) {
  const headers = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET" && token) headers["x-pie-admin-token"] = token;
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const json = text ? JSON.parse(text) : null;
  if (!res.ok) {
    const error = json?.error;
    const message = typeof error === "string" ? error : error?.message ?? `HTTP ${res.status}`;
    show(`${method} ${path} refused (${res.status}): ${message}`);
    throw Object.assign(new Error(message), { status: res.status });
  }
  return json;
}

function table(el, head, rows) {
  el.innerHTML = `<thead><tr>${head.map((h) => `<th class="${h.num ? "num" : ""}">${esc(h.label ?? h)}</th>`).join("")}</tr></thead><tbody>${rows.join("")}</tbody>`;
}

// ---- usage -------------------------------------------------------------------------------

let jsonl = new Uint8Array();

function barChart(el, buckets) {
  const w = 900;
  const h = 170;
  const max = Math.max(1e-9, ...buckets.map((b) => b.costUsd));
  const maxTokens = Math.max(1, ...buckets.map((b) => b.totalTokens));
  const bw = w / Math.max(1, buckets.length);
  const bars = buckets
    .map((b, i) => {
      const bh = (b.costUsd / max) * (h - 20);
      return `<rect class="bar" x="${i * bw + 1}" y="${h - bh}" width="${Math.max(1, bw - 2)}" height="${bh}"><title>${esc(b.key)}: ${usd(b.costUsd)}, ${int(b.totalTokens)} tokens</title></rect>`;
    })
    .join("");
  const points = buckets.map((b, i) => `${i * bw + bw / 2},${h - (b.totalTokens / maxTokens) * (h - 20)}`).join(" ");
  el.innerHTML = `<svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" data-buckets="${buckets.length}">${bars}<polyline class="line" points="${points}"/></svg><p class="muted">bars: cost (max ${usd(max)}), line: tokens (max ${int(maxTokens)}), ${esc(buckets[0]?.key ?? "")} – ${esc(buckets.at(-1)?.key ?? "")}</p>`;
}

function groupTable(title, groups) {
  const rows = groups.slice(0, 8).map((g) => `<tr><td>${esc(g.key)}</td><td class="num">${int(g.records)}</td><td class="num">${int(g.error)}</td><td class="num">${int(g.totalTokens)}</td><td class="num">${usd(g.costUsd)}</td></tr>`);
  return `<div class="panel" data-group="${esc(title)}"><h2>${esc(title)}</h2><table><thead><tr><th></th><th class="num">requests</th><th class="num">errors</th><th class="num">tokens</th><th class="num">cost</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
}

function renderUsage() {
  const { summary, diagnostics } = summarizeUsageJsonlDetailed(jsonl, {}, { groupBy: ["connection", "apiKey", "status"] });
  $("totals").innerHTML = [
    ["Requests", int(summary.records), "total-records"],
    ["Cost", usd(summary.costUsd), "total-cost"],
    ["Tokens", int(summary.totalTokens), "total-tokens"],
    ["Errors", int(summary.error + summary.aborted), "total-errors"],
    ["Skipped lines", int(diagnostics.length), "skipped-lines"],
  ]
    .map(([k, v, id]) => `<div class="card"><span class="muted">${k}</span><b id="${id}">${v}</b></div>`)
    .join("");
  const series = summarizeUsageJsonlByTime(jsonl, {}, { bucket: "day" });
  barChart($("chart-daily"), series.buckets);
  $("breakdowns").innerHTML = [
    ["Provider", summary.byProvider],
    ["Model", summary.byModel],
    ["Endpoint", summary.byEndpoint],
    ["Client origin", summary.byClientOrigin],
    ["Connection", summary.byConnection ?? []],
    ["API key", summary.byApiKey ?? []],
    ["Status", summary.byStatus ?? []],
  ]
    .map(([t, g]) => groupTable(t, g))
    .join("");
}

async function loadUsage() {
  jsonl = new Uint8Array(await (await fetch("/usage.jsonl")).arrayBuffer());
  renderUsage();
  const { records } = await api("GET", "/usage?limit=50&order=desc");
  table(
    $("recent"),
    ["time", "requested", "provider / model", "status", { label: "tokens", num: true }, { label: "cost", num: true }],
    records.map(
      (r) =>
        `<tr class="clickable" data-request="${esc(r.requestId)}"><td>${esc(r.timestamp)}</td><td>${esc(r.requestedModel)}</td><td>${esc(r.resolvedProvider)} / ${esc(r.resolvedModel)}</td><td class="${r.status === "success" ? "ok" : "bad"}">${esc(r.status)}</td><td class="num">${int(r.usage?.totalTokens ?? (r.inputTokens ?? 0) + (r.outputTokens ?? 0))}</td><td class="num">${usd(r.cost?.total ?? r.costUsd ?? 0)}</td></tr>`,
    ),
  );
}

async function showRequest(requestId) {
  const detail = await api("GET", `/usage/${encodeURIComponent(requestId)}`);
  $("detail").hidden = false;
  $("detail-id").textContent = requestId;
  table(
    $("timeline"),
    ["#", "time", "provider / model", "route", "status", { label: "tokens", num: true }, { label: "cost", num: true }, "error"],
    detail.timeline.map((t) => `<tr><td>${esc(t.attemptIndex)}</td><td>${esc(t.timestamp)}</td><td>${esc(t.resolvedProvider)} / ${esc(t.resolvedModel)}</td><td>${esc(t.routeSource)}</td><td>${esc(t.status)}</td><td class="num">${int(t.tokens)}</td><td class="num">${usd(t.costUsd)}</td><td>${esc(t.errorMessage)}</td></tr>`),
  );
  table($("trace"), ["attempt", "time", "phase", "message"], detail.trace.map((e) => `<tr><td>${esc(e.attemptIndex)}</td><td>${esc(e.timestamp)}</td><td>${esc(e.phase)}</td><td>${esc(e.message)}</td></tr>`));
  const details = await api("GET", `/api/usage/request-details?requestId=${encodeURIComponent(requestId)}&pageSize=10`);
  $("request-details").textContent = details.details.length ? JSON.stringify(details.details, null, 2) : "No request details were recorded for this request.";
}

function live() {
  const events = new EventSource("/api/usage/stream");
  events.addEventListener("usage", (e) => {
    const line = new TextEncoder().encode(`${e.data}\n`);
    const next = new Uint8Array(jsonl.length + line.length);
    next.set(jsonl);
    next.set(line, jsonl.length);
    jsonl = next;
    renderUsage();
    $("live").textContent = `live · last record ${JSON.parse(e.data).timestamp}`;
  });
}

// ---- connections and pools ----------------------------------------------------------------

let pools = [];

async function loadConnections() {
  pools = (await api("GET", "/proxy-pools?includeUsage=true")).proxyPools;
  const { connections } = await api("GET", "/provider-connections");
  const options = (c) =>
    [`<option value="">direct</option>`, ...pools.map((p) => `<option value="${esc(p.id)}" ${c.providerSpecificData?.proxyPoolId === p.id ? "selected" : ""}>${esc(p.name)}</option>`)].join("");
  table(
    $("connection-list"),
    ["provider", "name", "auth", "priority", "state", "secrets", "proxy pool", ""],
    connections.map(
      (c) =>
        `<tr data-id="${esc(c.id)}"><td>${esc(c.provider)}</td><td><input class="edit-name" value="${esc(c.name ?? "")}" aria-label="name"></td><td>${esc(c.authType)}</td><td><button data-act="up">↑</button> ${esc(c.priority)} <button data-act="down">↓</button></td><td class="${c.isActive === false ? "bad" : "ok"}">${c.isActive === false ? "disabled" : esc(c.testStatus ?? "active")}</td><td>${c.hasApiKey ? "API key" : ""}${c.hasAccessToken ? " access token" : ""}${c.hasRefreshToken ? " refresh token" : ""}</td><td><select data-act="pool">${options(c)}</select></td><td><button data-act="toggle">${c.isActive === false ? "Enable" : "Disable"}</button> <button data-act="rename">Save name</button></td></tr>`,
    ),
  );
  table(
    $("pool-list"),
    ["name", "URL", "type", "state", "bound", "last test", ""],
    pools.map(
      (p) =>
        `<tr data-id="${esc(p.id)}"><td>${esc(p.name)}</td><td><code>${esc(p.proxyUrl)}</code></td><td>${esc(p.type)}</td><td>${p.isActive ? "active" : "inactive"} · ${esc(p.testStatus)}</td><td class="num">${esc(p.boundConnectionCount)}</td><td>${esc(p.lastTestedAt ?? "never")} ${esc(p.lastError ?? "")}</td><td><button data-act="test">Test</button> <button data-act="delete">Delete</button></td></tr>`,
    ),
  );
}

async function connectionAction(event) {
  const row = event.target.closest("tr[data-id]");
  const act = event.target.dataset.act;
  if (!row || !act || event.type === "click" && act === "pool") return;
  const id = row.dataset.id;
  const { connection } = await api("GET", `/provider-connections/${encodeURIComponent(id)}`);
  const put = (body) => api("PUT", `/provider-connections/${encodeURIComponent(id)}`, body);
  if (act === "toggle") await put({ isActive: connection.isActive === false });
  if (act === "rename") await put({ name: row.querySelector(".edit-name").value });
  if (act === "up" || act === "down") await put({ priority: Math.max(1, (connection.priority ?? 1) + (act === "up" ? -1 : 1)) });
  if (act === "pool") await put({ proxyPoolId: event.target.value || null });
  show("Saved.", "info");
  await loadConnections();
}

async function poolAction(event) {
  const row = event.target.closest("tr[data-id]");
  const act = event.target.dataset.act;
  if (!row || !act) return;
  const id = encodeURIComponent(row.dataset.id);
  if (act === "test") {
    const result = await api("POST", `/proxy-pools/${id}/test`);
    show(result.ok ? `Proxy works (${result.status}, ${result.elapsedMs} ms).` : `Proxy test failed: ${result.error ?? result.status}`, result.ok ? "info" : "error");
  }
  if (act === "delete") {
    await api("DELETE", `/proxy-pools/${id}`);
    show("Deleted.", "info");
  }
  await loadConnections();
}

function formData(form) {
  return Object.fromEntries([...new FormData(form)].filter(([, v]) => v !== ""));
}

// ---- routing, pricing, selection, cooldowns ----------------------------------------------------

async function loadRouting() {
  const { settings } = await api("GET", "/provider-settings");
  const form = $("settings-form");
  form.fallbackStrategy.value = settings.fallbackStrategy;
  form.stickyRoundRobinLimit.value = settings.stickyRoundRobinLimit;
  form.quotaStrategy.value = settings.quotaStrategy;
  form.budgetMode.value = settings.budgetLimits.mode;
  for (const k of ["dailyUsd", "monthlyUsd", "requestUsd"]) form[k].value = settings.budgetLimits[k] ?? "";
  const { policy } = await api("GET", "/routing-policy");
  const list = (record, kind) =>
    Object.entries(record)
      .map(([name, models]) => `<li>${esc(name)} → ${esc([].concat(models).join(", "))} <button data-del="${kind}/${esc(name)}">Delete</button></li>`)
      .join("");
  $("policy").innerHTML = `<h3>Combos</h3><ul>${policy.combos.map((c) => `<li><b>${esc(c.name)}</b> (${esc(c.strategy)}): ${esc(c.models.join(", "))} <button data-del="combos/${esc(c.name)}">Delete</button></li>`).join("")}</ul><h3>Aliases</h3><ul>${list(policy.aliases, "aliases")}</ul><h3>Intents</h3><ul>${list(policy.intents, "intents")}</ul>`;
  const { budget } = await api("GET", "/budget");
  $("budget").textContent = `mode ${budget.mode}; today ${usd(budget.daily.usedUsd)} of ${budget.daily.limitUsd === null ? "no limit" : usd(budget.daily.limitUsd)}; this month ${usd(budget.monthly.usedUsd)} of ${budget.monthly.limitUsd === null ? "no limit" : usd(budget.monthly.limitUsd)}${budget.shouldWarn ? " — over a limit" : ""}`;
}

async function loadPricing() {
  const { overrides, table: info } = await api("GET", "/pricing");
  const rows = [];
  for (const [provider, models] of Object.entries(overrides)) for (const [model, r] of Object.entries(models)) rows.push(`<tr><td>${esc(provider)}</td><td>${esc(model)}</td><td class="num">${esc(r.input)}</td><td class="num">${esc(r.output)}</td><td><button data-provider="${esc(provider)}" data-model="${esc(model)}">Reset</button></td></tr>`);
  table($("price-list"), ["provider", "model", { label: "input", num: true }, { label: "output", num: true }, ""], rows);
  $("price-table").textContent = `Base table: ${info.package} ${info.version} (${info.date}).`;
}

async function loadSelection(provider = "", model = "") {
  const q = new URLSearchParams();
  if (provider) q.set("provider", provider);
  if (model) q.set("model", model);
  const { data } = await api("GET", `/account-selection?${q}`);
  $("selection-list").innerHTML = data
    .map(
      (d) =>
        `<div class="panel"><h2>${esc(d.provider)} <span class="muted">${esc(d.status)} · ${esc(d.strategy)} · quota ${esc(d.quotaStrategy)}</span></h2><table><thead><tr><th>connection</th><th>selectable</th><th>reasons</th></tr></thead><tbody>${d.candidates
          .map((c) => `<tr><td>${esc(c.id)}${c.selected ? " <b>(selected)</b>" : ""}</td><td>${c.selectable ? "yes" : "no"}</td><td>${esc(c.reasons.join("; "))}</td></tr>`)
          .join("")}</tbody></table></div>`,
    )
    .join("");
}

async function loadCooldowns() {
  const { lockedModels } = await api("GET", "/models/availability");
  table(
    $("cooldown-list"),
    ["provider", "model", "connections", "retry after", ""],
    lockedModels.map((m) => `<tr><td>${esc(m.provider)}</td><td>${esc(m.model ?? "all models")}</td><td>${esc(m.connectionIds.length)}</td><td>${esc(m.earliestRetryAfterHuman)}</td><td><button data-provider="${esc(m.provider)}" data-model="${esc(m.model ?? "")}">Clear</button></td></tr>`),
  );
  if (!lockedModels.length) $("cooldown-list").innerHTML = `<tr><td class="muted">No model is cooling down.</td></tr>`;
}

const loaders = { usage: loadUsage, connections: loadConnections, pools: loadConnections, routing: loadRouting, pricing: loadPricing, selection: () => loadSelection(), cooldowns: loadCooldowns };

function openTab(name) {
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === name);
  for (const s of document.querySelectorAll(".tab")) s.classList.toggle("active", s.id === name);
  loaders[name]().catch(() => {});
}

async function unlock(value) {
  token = value;
  try {
    await api("POST", "/admin/session");
    $("token-state").textContent = "unlocked";
    $("message").hidden = true;
  } catch {
    token = "";
    $("token-state").textContent = "read-only";
  }
}

function on(id, event, handler) {
  $(id).addEventListener(event, (e) => {
    if (e.type === "submit") e.preventDefault();
    Promise.resolve(handler(e)).catch(() => {});
  });
}

on("tabs", "click", (e) => e.target.dataset.tab && openTab(e.target.dataset.tab));
on("token-form", "submit", () => unlock($("token").value.trim()));
on("recent", "click", (e) => {
  const row = e.target.closest("tr[data-request]");
  if (row) return showRequest(row.dataset.request);
});
on("connection-list", "click", connectionAction);
on("connection-list", "change", connectionAction);
on("pool-list", "click", poolAction);
on("connection-form", "submit", async (e) => {
  const body = formData(e.target);
  if (body.priority) body.priority = Number(body.priority);
  await api("POST", "/provider-connections", body);
  e.target.reset();
  show("Connection added.", "info");
  await loadConnections();
});
on("pool-form", "submit", async (e) => {
  await api("POST", "/proxy-pools", formData(e.target));
  e.target.reset();
  show("Proxy pool added.", "info");
  await loadConnections();
});
on("settings-form", "submit", async (e) => {
  const f = formData(e.target);
  const amount = (k) => (f[k] === undefined ? null : Number(f[k]));
  await api("PUT", "/provider-settings", {
    settings: {
      fallbackStrategy: f.fallbackStrategy,
      stickyRoundRobinLimit: Number(f.stickyRoundRobinLimit),
      quotaStrategy: f.quotaStrategy,
      budgetLimits: { mode: f.budgetMode, dailyUsd: amount("dailyUsd"), monthlyUsd: amount("monthlyUsd"), requestUsd: amount("requestUsd") },
    },
  });
  show("Settings saved.", "info");
  await loadRouting();
});
on("combo-form", "submit", async (e) => {
  await api("POST", "/routing-policy/combos", formData(e.target));
  await loadRouting();
});
on("alias-form", "submit", async (e) => {
  const { kind, ...body } = formData(e.target);
  await api("POST", `/routing-policy/${kind}`, body);
  await loadRouting();
});
on("policy", "click", async (e) => {
  if (!e.target.dataset.del) return;
  const [kind, name] = e.target.dataset.del.split(/\/(.*)/s);
  await api("DELETE", `/routing-policy/${kind}/${encodeURIComponent(name)}`);
  await loadRouting();
});
on("preview-form", "submit", async (e) => {
  const plan = await api("POST", "/routing-policy/preview", formData(e.target));
  table($("preview"), ["#", "route", "source"], plan.routes.map((r) => `<tr><td>${r.index}</td><td>${esc(r.id)}</td><td>${esc(r.source)}</td></tr>`));
});
on("price-form", "submit", async (e) => {
  const f = formData(e.target);
  await api("PUT", "/pricing", { provider: f.provider, model: f.model, rates: { input: Number(f.input ?? 0), output: Number(f.output ?? 0) } });
  await loadPricing();
});
on("price-list", "click", async (e) => {
  if (!e.target.dataset.provider) return;
  await api("DELETE", `/pricing/${encodeURIComponent(e.target.dataset.provider)}/${encodeURIComponent(e.target.dataset.model)}`);
  await loadPricing();
});
on("selection-form", "submit", (e) => loadSelection(e.target.provider.value.trim(), e.target.model.value.trim()));
on("cooldown-list", "click", async (e) => {
  if (!e.target.dataset.provider) return;
  const r = await api("POST", "/models/availability", { action: "clearCooldown", provider: e.target.dataset.provider, model: e.target.dataset.model || null });
  show(`Cleared ${r.clearedCount} cooldown(s).`, "info");
  await loadCooldowns();
});

const session = await api("GET", "/admin/session");
$("agent-dir").textContent = session.agentDir;
const fromFragment = new URLSearchParams(location.hash.slice(1)).get("token");
if (fromFragment) {
  history.replaceState(null, "", location.pathname);
  await unlock(fromFragment);
}
await loadUsage();
live();
document.body.dataset.ready = "true";
