import { App, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { configFromContext } from "./config";
import { VectordStack } from "./vectord-stack";

// The CDK app: `npm run synth` (offline, no lookups; cdk-nag's AwsSolutions checks fail it on any
// unacknowledged finding) or `npx cdk deploy`. Settings come from context: see infra/config.ts.
const app = new App();
new VectordStack(app, "Vectord", {
  description: "vectord: vector indexes whose HNSW parameters tune themselves",
  config: configFromContext((key) => app.node.tryGetContext(key)),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
