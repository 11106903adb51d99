/** Dummy stage (authentik `authentik/stages/dummy`): shows a button and continues; for testing flows. */
import * as z from "zod";
import { defineStage, next } from "../stage.js";

export const dummyConfig = z.object({
  /** authentik raises an error on submit when true (testing error handling). */
  throw_error: z.boolean().default(false),
});

export const dummyStage = defineStage({
  type: "dummy",
  component: "ak-stage-dummy",
  config: dummyConfig,
  response: z.object({}),
  challenge: () => ({ title: "" }),
  submit(ctx) {
    if (ctx.config.throw_error) throw new Error("dummy stage configured to throw");
    return next();
  },
});
