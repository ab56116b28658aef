import type { HnswRunner } from "../../src/app/hnsw-runner";

/**
 * `runner` with its `step` held at a gate, to let a test act while a build or catch-up is under
 * way: `inside` resolves once a call reaches the gate, and `release()` lets every call through.
 */
export function gatedRunner(runner: HnswRunner, step: "build" | "catchUp") {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((r) => {
    release = r;
  });
  let arrived: () => void = () => undefined;
  const inside = new Promise<void>((r) => {
    arrived = r;
  });
  const original = runner[step].bind(runner) as (task: never) => Promise<never>;
  const gated: HnswRunner = {
    ...runner,
    [step]: async (task: never) => {
      arrived();
      await gate;
      return original(task);
    },
  };
  return { runner: gated, inside, release };
}
