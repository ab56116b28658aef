import { settingsFromEnv } from "./settings";
import { createServices } from "./wiring";

/**
 * The services of this process, built once from the environment when a handler module is first
 * loaded (a Lambda cold start, or the local server's start), and reused by warm invocations.
 */
export const services = createServices(settingsFromEnv());
