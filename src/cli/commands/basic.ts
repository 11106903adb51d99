/** `migrate`, `bootstrap`, `config`: the commands the CLI started with. */
import { loadConfig } from "../../core/config.js";
import { bootstrap as runBootstrap } from "../../services/bootstrap.js";
import { bootstrapInput } from "../../node/bootstrap-env.js";
import { buildNodeDeps } from "../../node/deps.js";
import { EXIT, type Command } from "../command.js";

export const migrate: Command = {
  name: "migrate",
  summary: "Apply database migrations (DATABASE_URL, or the embedded database in THRESHOLD_DATA_DIR)",
  help: "Usage: threshold migrate [--dev]\n\nApplies every pending migration in migrations/ to DATABASE_URL (or the embedded PGlite database\nin THRESHOLD_DATA_DIR). Safe to run repeatedly. Run it before `wrangler deploy` for Neon.\n",
  async run(_args, io) {
    const deps = await buildNodeDeps(loadConfig(io.env, "node"));
    io.stdout.write(`✔ migrations applied to ${deps.describe.database}\n`);
    await deps.shutdown();
    return EXIT.ok;
  },
};

export const bootstrap: Command = {
  name: "bootstrap",
  summary: "Apply the default blueprints, create akadmin and the bootstrap API token (idempotent)",
  help: "Usage: threshold bootstrap [--dev]\n\nCreates the akadmin user, the 'authentik Admins' group and, when THRESHOLD_BOOTSTRAP_TOKEN is set,\nthe bootstrap API token. Existing objects are left unchanged.\n",
  async run(_args, io) {
    const config = loadConfig(io.env, "node");
    const deps = await buildNodeDeps(config);
    try {
      const defaults = await deps.applyDefaults();
      io.stdout.write(`✔ default blueprints applied (${defaults.created} created, ${defaults.updated} updated)\n`);
      const r = await runBootstrap(deps, bootstrapInput(config));
      io.stdout.write(
        `${r.createdAdmin ? "✔ created akadmin" : "• akadmin already exists"}\n` +
          `${r.createdToken ? "✔ created the bootstrap API token" : "• no bootstrap token created"}\n` +
          (r.needsSetup ? "• akadmin has no password yet: open /if/flow/initial-setup/\n" : ""),
      );
    } finally {
      await deps.shutdown();
    }
    return EXIT.ok;
  },
};

export const config: Command = {
  name: "config",
  summary: "Print the configuration reference as a Markdown table",
  help: "Usage: threshold config\n\nPrints every configuration key with its default and description (Markdown).\n",
  async run(_args, io) {
    const { configMarkdownTable } = await import("../../core/config.js");
    io.stdout.write(configMarkdownTable() + "\n");
    return EXIT.ok;
  },
};
