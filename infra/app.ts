import { App } from "aws-cdk-lib";
import { VectordStack } from "./vectord-stack";

// The CDK app: `npm run synth` (offline, no lookups) or `npx cdk deploy`.
const app = new App();
new VectordStack(app, "Vectord", {
  description: "vectord: vector indexes whose HNSW parameters tune themselves",
});
