import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { REPO_ROOT } from "../src/local/repo-root";
import { clientTypes, openApiText } from "./openapi-files";

/**
 * `npm run openapi`: writes `openapi.json` (the API's OpenAPI 3.1 document, from the route table
 * and the handlers' zod schemas) and `src/client/api-types.ts` (its TypeScript types, for the
 * typed client). A test fails when either is out of date.
 */
const text = openApiText();
writeFileSync(resolve(REPO_ROOT, "openapi.json"), text);
writeFileSync(resolve(REPO_ROOT, "src/client/api-types.ts"), await clientTypes(text));
console.log("wrote openapi.json and src/client/api-types.ts");
