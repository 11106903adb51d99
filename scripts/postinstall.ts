// `npm install` hook: prepares the embedded database template so the first `npm run dev` is fast.
// Never fails the install: without the template the first start just runs initdb itself.
import { ensurePgliteTemplate } from "../src/node/pglite-template.js";

try {
  const t0 = performance.now();
  const path = await ensurePgliteTemplate();
  console.log(`threshold: embedded database template ready (${Math.round(performance.now() - t0)} ms): ${path}`);
} catch (error) {
  console.warn(`threshold: could not prepare the embedded database template (${String(error)}); the first start will be slower`);
}
