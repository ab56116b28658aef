import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDashboardProxy } from "../../src/cli/dashboard-proxy";
import { REPO_ROOT } from "../../src/local/repo-root";
import { launchChromium } from "../support/browser";
import { useLocalStack } from "../support/stacks";
import { randomVectors, upsertAll } from "../support/vectors";

// The dashboard in headless Chromium against the local stack, after a real autotune.

const env = useLocalStack();
const api = env.api;
let browser: Browser;
let page: Page;
let job: { winner: { trial_id: string }; trials: { trial_id: string }[] };

const current = async () =>
  (await api.get("/vectors/hnsw/promoted/dash")).body.current.trial_id as string;
async function until(check: () => Promise<boolean>, what: string) {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  expect((await api.put("/vectors/indexes/dash", { dimension: 8, metric: "l2" })).status).toBe(201);
  await upsertAll(api, "dash", randomVectors(400, 8, 11));
  await api.post("/vectors/hnsw/evals/dash-h/autogen", { index_name: "dash", count: 30, k: 10 });
  const tuned = await api.post("/vectors/hnsw/autotune", {
    index_name: "dash",
    harness: "dash-h",
    min_recall: 0,
    grid: [
      { m: 8, ef_construction: 10, ef_search: 10 },
      { m: 8, ef_construction: 40, ef_search: 20 },
      { m: 16, ef_construction: 80, ef_search: 40 },
    ],
    wait_seconds: 25,
  });
  expect(tuned.body.status).toBe("SUCCEEDED");
  job = tuned.body;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Opens the page at `url` and shows index dash, whose plot shows the newest trial's harness. */
async function openIndex(url: string) {
  await page.goto(url);
  await page.getByRole("button", { name: "Show index dash" }).click();
  const trials = (await api.get("/vectors/hnsw/trials/dash?limit=200")).body.trials;
  const shown = trials.filter((t: { harness: string }) => t.harness === trials[0].harness);
  await page.waitForSelector(`#trials-plot[data-points="${shown.length}"]`);
}

describe("dashboard", () => {
  it("loads the trials of a real autotune: one point per trial, the job, the registry", async () => {
    await openIndex(env.stack.url);
    expect(await page.locator("#trials tbody tr").count()).toBe(3);
    expect(await page.locator("#trials-plot canvas").count()).toBeGreaterThan(0);
    // Hovering the plot shows the nearest trial's config and metrics; clicking selects it.
    const plot = page.locator("#trials-plot .u-over");
    const box = await plot.boundingBox();
    if (!box) throw new Error("no plot area");
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.locator("#tooltip").isVisible()).toBe(true);
    const tip = (await page.locator("#tooltip").textContent()) ?? "";
    expect(tip).toMatch(/m=\d+ ef_construction=\d+ ef_search=\d+/);
    // Recall with its standard error over the harness's queries.
    expect(tip).toMatch(/recall@10 \d\.\d{4} ± \d\.\d{4}\np50 \d+ µs/);
    expect(await page.locator("#trials tbody tr td").nth(4).textContent()).toMatch(
      /^\d\.\d{4} ± \d\.\d{4}$/,
    );
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await expect.poll(() => page.locator("#trial-detail").isVisible()).toBe(true);
    const detail = JSON.parse((await page.locator("#trial-json").textContent()) ?? "{}");
    expect(tip).toContain(detail.trial_id);
    expect(detail.metrics.recall_at_k).toBeTypeOf("number");
    await expect.poll(() => page.locator("#jobs tbody").textContent()).toMatch(/SUCCEEDED/);
    await expect
      .poll(() => page.locator("#history").textContent())
      .toContain(`current: ${job.winner.trial_id}`);
    // Accessible: every control has a name, the policy editor its label.
    for (const button of await page.locator("button").all()) {
      expect((await button.getAttribute("aria-label")) ?? (await button.textContent())).not.toBe(
        "",
      );
    }
    expect(await page.getByLabel(/Policy \(JSON/).count()).toBe(1);
    if (process.env.VECTORD_SCREENSHOT) {
      mkdirSync(resolve(REPO_ROOT, "docs"), { recursive: true });
      const box = await page.locator("#trials-plot").boundingBox();
      if (box) await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.4);
      await page.screenshot({ path: resolve(REPO_ROOT, "docs/dashboard.png"), fullPage: false });
    }
  });

  it("promotes a selected trial after confirmation, and rolls back to the previous entry", async () => {
    const other = job.trials.find((t) => t.trial_id !== job.winner.trial_id)?.trial_id as string;
    await page.getByText("Trials as a table").click();
    await page.getByRole("button", { name: `Select trial ${other}` }).click();
    await expect.poll(() => page.locator("#trial-id").textContent()).toBe(other);
    await page.getByRole("button", { name: "Promote this trial" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await until(async () => (await current()) === other, "the promotion");
    await expect.poll(() => page.locator("#history").textContent()).toContain(`current: ${other}`);

    // A cancelled action changes nothing.
    await page.getByRole("button", { name: "Roll back" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    await expect.poll(() => page.locator("#status").textContent()).toBe("cancelled");
    expect(await current()).toBe(other);

    await page.getByRole("button", { name: "Roll back" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await until(async () => (await current()) === job.winner.trial_id, "the rollback");
    await expect
      .poll(() => page.locator("#history").textContent())
      .toContain(`current: ${job.winner.trial_id}`);
  });

  it("activates and edits the policy from the page", async () => {
    await page.getByRole("button", { name: "Activate the promoted config" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await until(
      async () => (await api.get("/vectors/indexes/dash")).body.active !== null,
      "the activation",
    );
    await page
      .getByLabel(/Policy \(JSON/)
      .fill(JSON.stringify({ harness: "dash-h", every_minutes: 90 }));
    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByRole("button", { name: "Confirm" }).click();
    await until(
      async () => (await api.get("/vectors/hnsw/autotune/policies/dash")).body.every_minutes === 90,
      "the policy",
    );
  });

  it("follows a job started elsewhere on its own, to its end", async () => {
    const started = await api.post("/vectors/hnsw/autotune", {
      index_name: "dash",
      harness: "dash-h",
      min_recall: 0,
      grid: [{ m: 8, ef_construction: 20, ef_search: 10 }],
      wait_seconds: 0,
    });
    expect(started.status).toBe(202);
    const row = page.locator("#jobs tbody tr", { hasText: started.body.job_id });
    await expect.poll(() => row.textContent(), { timeout: 30_000 }).toMatch(/SUCCEEDED/);
  }, 40_000);

  it("plots one harness's trials at a time, the newest trial's first", async () => {
    await api.post("/vectors/hnsw/evals/dash-k3/autogen", { index_name: "dash", count: 10, k: 3 });
    const other = await api.post("/vectors/hnsw/trial", {
      index_name: "dash",
      harness: "dash-k3",
      config: { m: 8, ef_construction: 20, ef_search: 10 },
    });
    expect(other.status).toBe(201);
    const all = (await api.get("/vectors/hnsw/trials/dash?limit=200")).body.trials.length;
    await page.getByRole("button", { name: "Show index dash" }).click();
    await page.waitForSelector('#trials-plot[data-points="1"]');
    const picker = page.getByLabel("Harness", { exact: true });
    await expect.poll(() => picker.inputValue()).toBe("dash-k3");
    expect(await picker.locator("option").allTextContents()).toEqual([
      "dash-k3 (recall@3, 1 trial)",
      `dash-h (recall@10, ${all - 1} trials)`,
    ]);
    await picker.selectOption("dash-h");
    await page.waitForSelector(`#trials-plot[data-points="${all - 1}"]`);
    expect(await page.locator("#trials tbody tr").count()).toBe(all - 1);
  });

  it("is the same page through `vectord dashboard`, which forwards the page's API calls", async () => {
    const proxy = await startDashboardProxy({ endpoint: env.stack.url });
    try {
      await openIndex(proxy.url);
      await expect.poll(() => page.locator("#indexes tbody").textContent()).toMatch(/dash\s*400/);
    } finally {
      await proxy.close();
    }
  });
});
