import { fileURLToPath } from "node:url";

/** The repository root, against which handler entries are resolved. */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
