// The vectord dashboard: plain ES modules, no build step. It calls the API on its own origin (the
// local stack, or `vectord dashboard`, which signs and forwards to a deployed stack).
import uPlot from "/dashboard/uPlot.esm.js";

const $ = (selector) => document.querySelector(selector);
const state = {
  index: null,
  trials: [],
  registry: null,
  jobs: [],
  active: null,
  selected: null,
  plot: null,
};
let timer;

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    const error = new Error(data?.error?.message ?? `${response.status}`);
    error.status = response.status;
    error.code = data?.error?.code;
    throw error;
  }
  return data;
}

function status(text) {
  $("#status").textContent = text;
}

function cell(row, value) {
  const td = document.createElement("td");
  if (value instanceof Node) td.append(value);
  else td.textContent = value === null || value === undefined ? "—" : String(value);
  row.append(td);
  return td;
}

const configText = (c) =>
  c ? `m=${c.m} ef_construction=${c.ef_construction} ef_search=${c.ef_search}` : "—";

async function loadIndexes() {
  // Every page, then by name.
  const indexes = [];
  let token;
  do {
    const page = await api(
      "GET",
      `/vectors/indexes?limit=1000${token ? `&next_token=${encodeURIComponent(token)}` : ""}`,
    );
    indexes.push(...page.indexes);
    token = page.next_token;
  } while (token);
  indexes.sort((a, b) => a.name.localeCompare(b.name));
  const body = $("#indexes tbody");
  body.replaceChildren();
  for (const index of indexes) {
    const row = document.createElement("tr");
    row.setAttribute("aria-selected", String(index.name === state.index));
    const choose = document.createElement("button");
    choose.className = "link";
    choose.textContent = index.name;
    choose.setAttribute("aria-label", `Show index ${index.name}`);
    choose.addEventListener("click", () => selectIndex(index.name));
    cell(row, choose);
    cell(row, index.count);
    cell(row, index.data_version);
    cell(
      row,
      index.active
        ? `${index.active.generation} (data_version ${index.active.data_version})`
        : null,
    );
    cell(row, configText(index.active?.config));
    cell(row, index.active ? index.active.pending_writes : null);
    body.append(row);
    if (index.name === state.index) state.active = index.active;
  }
  status(`${indexes.length} index${indexes.length === 1 ? "" : "es"}`);
}

async function selectIndex(name) {
  state.index = name;
  state.selected = null;
  $("#index-view").hidden = false;
  $("#trial-detail").hidden = true;
  $("#trials-title").textContent = `Trials of ${name}`;
  await refresh();
  loadPolicy();
}

async function loadTrials() {
  const trials = [];
  let token;
  do {
    const query = new URLSearchParams({ limit: "200", ...(token && { next_token: token }) });
    const page = await api("GET", `/vectors/hnsw/trials/${state.index}?${query}`);
    trials.push(...page.trials);
    token = page.next_token;
  } while (token && trials.length < 2000);
  state.trials = trials;
}

async function loadRegistry() {
  try {
    state.registry = await api("GET", `/vectors/hnsw/promoted/${state.index}`);
  } catch (err) {
    if (err.status !== 404) throw err;
    state.registry = null;
  }
  const list = $("#history");
  list.replaceChildren();
  const entries = state.registry
    ? [state.registry.current, ...(state.registry.history ?? [])].filter(Boolean)
    : [];
  entries.forEach((entry, i) => {
    const item = document.createElement("li");
    item.textContent = `${i === 0 ? "current: " : ""}${entry.trial_id} — ${configText(entry.config)}, recall ${entry.metrics?.recall_at_k?.toFixed(4)}, p50 ${Math.round(entry.metrics?.search_latency_p50_us ?? 0)} µs — by ${entry.promoted_by} at ${entry.promoted_at}`;
    list.append(item);
  });
  if (entries.length === 0)
    list.append(
      Object.assign(document.createElement("li"), { textContent: "nothing promoted yet" }),
    );
}

async function loadJobs() {
  const { jobs } = await api(
    "GET",
    `/vectors/hnsw/autotune?index_name=${encodeURIComponent(state.index)}&limit=20`,
  );
  state.jobs = jobs;
  const body = $("#jobs tbody");
  body.replaceChildren();
  for (const job of jobs) {
    const row = document.createElement("tr");
    cell(row, job.job_id);
    cell(row, job.status).className = `status-${job.status}`;
    cell(row, `${job.strategy} (min_recall ${job.min_recall})`);
    const p = job.progress;
    cell(row, p ? `round ${p.round}, builds ${p.builds_done}/${p.builds_planned}` : null);
    cell(
      row,
      job.winner ? `${configText(job.winner.config)}${job.promoted ? " (promoted)" : ""}` : null,
    );
    cell(row, job.reason ?? job.stop_reason);
    body.append(row);
  }
}

/** Points no other beats on both recall (higher) and p50 (lower). */
function paretoFront(trials) {
  const sorted = [...trials].sort((a, b) => p50(a) - p50(b) || recall(b) - recall(a));
  const front = new Set();
  let best = -1;
  for (const t of sorted) {
    if (recall(t) > best) {
      front.add(t.trial_id);
      best = recall(t);
    }
  }
  return front;
}
const p50 = (t) => Math.max(1, t.metrics.search_latency_p50_us);
const recall = (t) => t.metrics.recall_at_k;
const sameConfig = (a, b) =>
  a &&
  b &&
  a.m === b.m &&
  a.ef_construction === b.ef_construction &&
  a.ef_search === b.ef_search &&
  a.seed === b.seed;

function drawPlot() {
  const trials = [...state.trials].sort((a, b) => p50(a) - p50(b));
  const front = paretoFront(trials);
  const promoted = state.registry?.current?.trial_id;
  const active = state.active?.config;
  const xs = trials.map(p50);
  const data = [
    xs,
    trials.map(recall),
    trials.map((t) => (front.has(t.trial_id) ? recall(t) : null)),
    trials.map((t) => (t.trial_id === promoted ? recall(t) : null)),
    trials.map((t) => (sameConfig(t.config, active) ? recall(t) : null)),
  ];
  const container = $("#trials-plot");
  state.plotTrials = trials;
  const width = Math.min(container.clientWidth || 900, 1100);
  if (state.plot) state.plot.destroy();
  const square = (u, seriesIdx) => {
    const size = 12 * devicePixelRatio;
    const path = new Path2D();
    const [x, y] = [u.data[0], u.data[seriesIdx]];
    for (let i = 0; i < x.length; i++) {
      if (y[i] == null) continue;
      path.rect(
        u.valToPos(x[i], "x", true) - size / 2,
        u.valToPos(y[i], "y", true) - size / 2,
        size,
        size,
      );
    }
    return { stroke: path };
  };
  state.plot = new uPlot(
    {
      width,
      height: 360,
      scales: {
        x: { time: false, distr: 3 },
        y: { range: (_u, min, max) => [Math.max(0, min - 0.02), Math.min(1, max + 0.01)] },
      },
      axes: [
        { label: "p50 latency (µs, log scale)", stroke: "#1a1a1a" },
        {
          label: "recall@k",
          stroke: "#1a1a1a",
          values: (_u, ticks) => ticks.map((v) => v.toFixed(3)),
          size: 70,
        },
      ],
      legend: { show: true },
      cursor: { drag: { x: false, y: false }, points: { size: 10 } },
      series: [
        { label: "p50 (µs)" },
        {
          label: "trial",
          stroke: "#0b57d0",
          paths: () => null,
          points: { show: true, size: 8, fill: "#0b57d0" },
        },
        {
          label: "Pareto front",
          stroke: "#e37400",
          width: 2,
          spanGaps: true,
          points: { show: false },
        },
        {
          label: "promoted",
          stroke: "#188038",
          paths: () => null,
          points: { show: true, size: 18, width: 3, fill: "transparent" },
        },
        {
          label: "active config",
          stroke: "#a50e0e",
          width: 2,
          paths: square,
          points: { show: false },
        },
      ],
      hooks: { setCursor: [showTooltip] },
    },
    data,
    container,
  );
  // What the plot holds, for tests and assistive tech: one point per trial.
  const points = state.plot.data[1].filter((v) => v != null).length;
  container.dataset.points = String(points);
  container.setAttribute(
    "aria-label",
    `Scatter plot of ${points} trials: recall against p50 latency`,
  );
  state.plot.over.addEventListener("click", () => {
    const idx = state.plot.cursor.idx;
    if (idx != null) selectTrial(trials[idx]);
  });
  state.plot.over.addEventListener("mouseleave", () => {
    $("#tooltip").hidden = true;
  });
  drawTable(trials);
}

function showTooltip(u) {
  const tip = $("#tooltip");
  const idx = u.cursor.idx;
  const trial = idx == null ? null : state.plotTrials[idx];
  if (!trial || u.cursor.left < 0) {
    tip.hidden = true;
    return;
  }
  const m = trial.metrics;
  tip.textContent = `${trial.trial_id}\n${configText(trial.config)}\nrecall@${m.k} ${m.recall_at_k.toFixed(4)}\np50 ${Math.round(m.search_latency_p50_us)} µs, p99 ${Math.round(m.search_latency_p99_us)} µs\nbuild ${m.build_time_ms} ms, memory ${(m.memory_bytes / 2 ** 20).toFixed(1)} MiB`;
  const rect = u.over.getBoundingClientRect();
  tip.style.left = `${rect.left + u.cursor.left + 14}px`;
  tip.style.top = `${rect.top + u.cursor.top + 14}px`;
  tip.hidden = false;
}

function drawTable(trials) {
  const body = $("#trials tbody");
  body.replaceChildren();
  for (const t of trials) {
    const row = document.createElement("tr");
    row.setAttribute("aria-selected", String(t.trial_id === state.selected?.trial_id));
    cell(row, t.trial_id);
    cell(row, t.config.m);
    cell(row, t.config.ef_construction);
    cell(row, t.config.ef_search);
    cell(row, recall(t).toFixed(4));
    cell(row, Math.round(t.metrics.search_latency_p50_us));
    const select = document.createElement("button");
    select.textContent = "Select";
    select.setAttribute("aria-label", `Select trial ${t.trial_id}`);
    select.addEventListener("click", () => selectTrial(t));
    cell(row, select);
    body.append(row);
  }
}

function selectTrial(trial) {
  state.selected = trial;
  $("#trial-detail").hidden = false;
  $("#trial-id").textContent = trial.trial_id;
  $("#trial-json").textContent = JSON.stringify(trial, null, 2);
  drawTable(state.plotTrials);
}

function confirmAction(text) {
  const dialog = $("#confirm");
  $("#confirm-text").textContent = text;
  dialog.returnValue = "";
  dialog.showModal();
  $("#confirm-cancel").focus();
  return new Promise((resolve) =>
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true }),
  );
}

async function act(question, method, path, body) {
  if (!(await confirmAction(question))) {
    status("cancelled");
    return;
  }
  try {
    const result = await api(method, path, body);
    $("#result").textContent = JSON.stringify(result, null, 2);
    // An activation that outlasts its request (202) keeps running in its task.
    status(
      result?.status === "RUNNING"
        ? `still running in its task (activation ${result.activation_id}); refresh later`
        : "done",
    );
  } catch (err) {
    $("#result").textContent = `${err.code ?? "error"}: ${err.message}`;
    status(`failed: ${err.message}`);
  }
  await refresh();
}

async function loadPolicy() {
  try {
    const policy = await api("GET", `/vectors/hnsw/autotune/policies/${state.index}`);
    const { index_name, updated_at, created_at, last_run_at, ...editable } = policy;
    $("#policy").value = JSON.stringify(editable, null, 2);
  } catch (err) {
    if (err.status !== 404) throw err;
    $("#policy").value = JSON.stringify({ harness: "", every_minutes: 60 }, null, 2);
  }
}

async function refresh() {
  clearTimeout(timer);
  try {
    await loadIndexes();
    if (state.index) {
      await Promise.all([loadTrials(), loadRegistry(), loadJobs()]);
      drawPlot();
      if (state.selected)
        selectTrial(
          state.trials.find((t) => t.trial_id === state.selected.trial_id) ?? state.selected,
        );
    }
  } catch (err) {
    status(`could not load: ${err.message}`);
  }
  // Refreshes on its own: every 2 s while a job runs, every 10 s otherwise (a job started
  // elsewhere shows up).
  const running = state.jobs.some((j) => j.status === "RUNNING");
  document.body.dataset.refreshing = String(running);
  timer = setTimeout(refresh, running ? 2000 : 10000);
}

$("#promote").addEventListener("click", () => {
  const t = state.selected;
  act(
    `Promote trial ${t.trial_id} (${configText(t.config)}) for index ${state.index}?`,
    "POST",
    `/vectors/hnsw/promote/${state.index}/${t.trial_id}?note=dashboard`,
  );
});
$("#rollback").addEventListener("click", () =>
  act(
    `Roll back the promotion of ${state.index} to the previous entry?`,
    "POST",
    `/vectors/hnsw/rollback/${state.index}`,
  ),
);
$("#activate").addEventListener("click", () =>
  act(
    `Activate the promoted config of ${state.index} as a new generation?`,
    "POST",
    `/vectors/hnsw/activate/${state.index}`,
    {},
  ),
);
$("#policy-save").addEventListener("click", () => {
  let policy;
  try {
    policy = JSON.parse($("#policy").value);
  } catch (err) {
    status(`the policy is not JSON: ${err.message}`);
    return;
  }
  act(
    `Save this autotune policy for ${state.index}?`,
    "PUT",
    `/vectors/hnsw/autotune/policies/${state.index}`,
    policy,
  ).then(loadPolicy);
});
$("#policy-delete").addEventListener("click", () =>
  act(
    `Delete the autotune policy of ${state.index}?`,
    "DELETE",
    `/vectors/hnsw/autotune/policies/${state.index}`,
  ).then(loadPolicy),
);

const wanted = new URLSearchParams(location.search).get("index");
refresh().then(() => wanted && selectIndex(wanted));
