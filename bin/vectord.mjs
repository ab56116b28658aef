#!/usr/bin/env node
// The `vectord` command: runs the TypeScript CLI (src/cli) through tsx.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../src/cli/main.ts");
process.exitCode = await run(process.argv);
