// The dashboard's trials plot (uPlot): recall against p50 latency, with the Pareto front, the
// promoted trial and the active config marked.
import uPlot from "/dashboard/uPlot.esm.js";

/** A config in one line. */
export const configText = (c) =>
  c ? `m=${c.m} ef_construction=${c.ef_construction} ef_search=${c.ef_search}` : "—";

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
/** A trial's p50 in µs (at least 1, for the log scale). */
const p50 = (t) => Math.max(1, t.metrics.search_latency_p50_us);
/** A trial's recall@k. */
export const recall = (t) => t.metrics.recall_at_k;

/**
 * A trial's recall@k as text, with its standard error over the harness's queries when the trial
 * has one (older trials do not): how far another sample of as many queries may read; and
 * "(ids)" on a trial older than the tie rule, which reads low on data with copies.
 */
export const recallText = (t) =>
  `${recall(t).toFixed(4)}${t.metrics.recall_stderr === undefined ? "" : ` ± ${t.metrics.recall_stderr.toFixed(4)}`}${t.metrics.recall_rule === "ids" ? " (ids)" : ""}`;
const sameConfig = (a, b) =>
  a &&
  b &&
  a.m === b.m &&
  a.ef_construction === b.ef_construction &&
  a.ef_search === b.ef_search &&
  a.seed === b.seed;

/**
 * Draws `trials` into `container` as recall against p50 latency (log scale), replacing the
 * `previous` plot: the Pareto front, the trial `promotedId` and the trials of `activeConfig`
 * marked; `tooltip` follows the cursor; a click on a point calls `onSelect(trial)`. Returns the
 * plot and the trials in its order (by p50).
 */
export function plotTrials({
  container,
  tooltip,
  trials: given,
  promotedId,
  activeConfig,
  previous,
  onSelect,
}) {
  const trials = [...given].sort((a, b) => p50(a) - p50(b));
  const front = paretoFront(trials);
  const xs = trials.map(p50);
  const data = [
    xs,
    trials.map(recall),
    trials.map((t) => (front.has(t.trial_id) ? recall(t) : null)),
    trials.map((t) => (t.trial_id === promotedId ? recall(t) : null)),
    trials.map((t) => (sameConfig(t.config, activeConfig) ? recall(t) : null)),
  ];
  const width = Math.min(container.clientWidth || 900, 1100);
  if (previous) previous.destroy();
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
  const showTooltip = (u) => {
    const idx = u.cursor.idx;
    const trial = idx == null ? null : trials[idx];
    if (!trial || u.cursor.left < 0) {
      tooltip.hidden = true;
      return;
    }
    const m = trial.metrics;
    tooltip.textContent = `${trial.trial_id}\n${configText(trial.config)}\nrecall@${m.k} ${recallText(trial)}\np50 ${Math.round(m.search_latency_p50_us)} µs, p99 ${Math.round(m.search_latency_p99_us)} µs\nbuild ${m.build_time_ms} ms, memory ${(m.memory_bytes / 2 ** 20).toFixed(1)} MiB`;
    const rect = u.over.getBoundingClientRect();
    tooltip.style.left = `${rect.left + u.cursor.left + 14}px`;
    tooltip.style.top = `${rect.top + u.cursor.top + 14}px`;
    tooltip.hidden = false;
  };
  const plot = new uPlot(
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
  const points = plot.data[1].filter((v) => v != null).length;
  container.dataset.points = String(points);
  container.setAttribute(
    "aria-label",
    `Scatter plot of ${points} trials: recall against p50 latency`,
  );
  plot.over.addEventListener("click", () => {
    const idx = plot.cursor.idx;
    if (idx != null) onSelect(trials[idx]);
  });
  plot.over.addEventListener("mouseleave", () => {
    tooltip.hidden = true;
  });
  return { plot, trials };
}
