import * as z from "zod";
import { definePolicyType, fail } from "../policy-type.js";

const optional = z.string().min(1).nullable().default(null);

/**
 * authentik's event matcher: passes when `request.context.event` matches every criterion that
 * is set (unset criteria match anything). Used by notification rules.
 */
export const eventMatcherPolicy = definePolicyType({
  id: "event_matcher",
  authentikModel: "authentik_policies_event_matcher.eventmatcherpolicy",
  description: "Passes when the event in the context matches action, app, model and client IP.",
  config: z.object({
    /** Event action, e.g. `login_failed`. */
    action: optional,
    /** App that created the event, e.g. `authentik.core` (our `threshold`). */
    app: optional,
    /** `<app_label>.<model_name>` from the event's `context.model`. */
    model: optional,
    /** Exact client IP (use an expression policy for networks). */
    client_ip: optional,
  }),
  evaluate(request, config) {
    const event = request.context.event as
      | { action?: unknown; app?: unknown; clientIp?: unknown; client_ip?: unknown; context?: Record<string, unknown> }
      | undefined;
    if (!event || typeof event !== "object") return fail();
    const model = event.context?.model as { app?: unknown; model_name?: unknown } | undefined;
    const checks: [string | null, unknown, string][] = [
      [config.action, event.action, "Action matched."],
      [config.client_ip, event.clientIp ?? event.client_ip, "Client IP matched."],
      [config.app, event.app, "App matched."],
      [config.model, model ? `${String(model.app)}.${String(model.model_name)}` : undefined, "Model matched."],
    ];
    const messages: string[] = [];
    let passing = true;
    for (const [want, got, message] of checks) {
      if (want === null) continue;
      if (want === got) messages.push(message);
      else passing = false;
    }
    return { passing, messages };
  },
});
