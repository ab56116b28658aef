import { startLocalStack } from "../src/local/local-stack";
import { localTasks } from "../src/local/local-tasks";
import { DEFAULT_SOAK, describeSoak, runSoak } from "./soak";

// `npm run soak`: the bounded soak on a fresh in-process local stack (SOAK_SECONDS, default 60).
// Exits 1 when a promise was broken (a 5xx, a lost or resurrected vector, a wrong count).

const seconds = Number(process.env.SOAK_SECONDS ?? DEFAULT_SOAK.seconds);
const stack = await startLocalStack();
try {
  const settle = () => localTasks().drain();
  const report = await runSoak(stack.url, settle, { seconds });
  console.log(describeSoak(report, { seconds }));
  const broken =
    (report.statuses["5xx"] ?? 0) > 0 ||
    report.missing.length > 0 ||
    report.resurrected.length > 0 ||
    report.finalCount !== report.expectedCount;
  process.exitCode = broken ? 1 : 0;
} finally {
  await stack.stop();
}
