import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { REPO_ROOT } from "../src/local/repo-root";
import { SCAN_KERNEL_MODULE, scanKernelBinary, scanKernelModule } from "./wasm-files";

/**
 * `npm run wasm`: compiles the exact-scan kernel (`src/domain/scan-kernel.wat`) and writes its
 * bytes into `src/domain/scan-kernel-wasm.ts`. A test fails when that file is out of date.
 */
writeFileSync(resolve(REPO_ROOT, SCAN_KERNEL_MODULE), scanKernelModule(await scanKernelBinary()));
console.log(`wrote ${SCAN_KERNEL_MODULE}`);
