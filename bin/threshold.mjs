#!/usr/bin/env node
// The `threshold` CLI. Threshold runs from its TypeScript sources on Node (tsx), like `npm run dev`.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
