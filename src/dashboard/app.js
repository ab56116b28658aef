// The vectord dashboard: plain ES modules, no build step. It calls the API on its own origin (the
// local stack, or `vectord dashboard`, which signs and forwards to a deployed stack).
import { $, api, cell } from "/dashboard/page.js";
import { configText, plotTrials, recallText } from "/dashboard/plot.js";

const state = {
  index: null,
  trials: [],
  /** The harness whose trials the plot shows: recall on another harness, or k, does not compare. */
  harness: null,
  registry: null,
  jobs: [],
  active: null,
  selected: null,
  plot: null,
};
let timer;

function status(text) {
  $("#status").textContent = text;
}

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
  state.harness = null;
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

/**
 * Fills the harness picker with the harnesses of the index's trials, newest first, each with its
 * k and trial count; keeps the one picked while it has trials, else picks the newest trial's.
 */
function fillHarnesses() {
  const seen = new Map();
  for (const t of state.trials) {
    const entry = seen.get(t.harness) ?? { k: t.metrics.k, count: 0 };
    entry.count++;
    seen.set(t.harness, entry);
  }
  if (!seen.has(state.harness)) state.harness = seen.keys().next().value ?? null;
  const picker = $("#harness");
  picker.replaceChildren(
    ...[...seen].map(([name, { k, count }]) =>
      Object.assign(document.createElement("option"), {
        value: name,
        textContent: `${name} (recall@${k}, ${count} trial${count === 1 ? "" : "s"})`,
        selected: name === state.harness,
      }),
    ),
  );
  picker.disabled = seen.size < 2;
}

function drawPlot() {
  fillHarnesses();
  const drawn = plotTrials({
    container: $("#trials-plot"),
    tooltip: $("#tooltip"),
    trials: state.trials.filter((t) => t.harness === state.harness),
    promotedId: state.registry?.current?.trial_id,
    activeConfig: state.active?.config,
    previous: state.plot,
    onSelect: selectTrial,
  });
  state.plot = drawn.plot;
  state.plotTrials = drawn.trials;
  drawTable(drawn.trials);
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
    cell(row, recallText(t));
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

$("#harness").addEventListener("change", (event) => {
  state.harness = event.target.value;
  drawPlot();
});

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
