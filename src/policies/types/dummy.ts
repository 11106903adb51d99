import * as z from "zod";
import { definePolicyType } from "../policy-type.js";

/** authentik's dummy policy (tests): waits a random time between wait_min and wait_max seconds, then returns `result`. */
export const dummyPolicy = definePolicyType({
  id: "dummy",
  authentikModel: "authentik_policies_dummy.dummypolicy",
  description: "Returns a fixed result after a random wait (testing).",
  config: z
    .object({
      result: z.boolean().default(false),
      /** Seconds (fractions allowed). authentik defaults: 5 and 30. */
      wait_min: z.number().min(0).default(5),
      wait_max: z.number().min(0).default(30),
      /** Threshold extension: throw instead (exercises failure_result). */
      raise: z.string().nullable().default(null),
    })
    .refine((c) => c.wait_max >= c.wait_min, { message: "wait_max must be >= wait_min", path: ["wait_max"] }),
  async evaluate(_request, config, deps) {
    const seconds = config.wait_min + Math.random() * (config.wait_max - config.wait_min);
    if (seconds > 0) await deps.sleep(seconds * 1000, deps.signal);
    if (config.raise !== null) throw new Error(config.raise);
    return { passing: config.result, messages: [`dummy: ${config.result}`] };
  },
});
