import { loadConfig } from "../core/config.js";
import { bootstrap } from "../services/bootstrap.js";
import { bootstrapInput } from "../node/bootstrap-env.js";
import { buildNodeDeps } from "../node/deps.js";
import { exitWithStartupError } from "../node/fatal.js";

/**
 * `npx threshold <command>`: operations on the same data folder (PGlite) or DATABASE_URL the
 * Node host uses. More commands (blueprints, user import, recovery links, key rotation) arrive
 * with the operations issue.
 */
const HELP = `Usage: threshold <command> [options]

Commands:
  migrate      Apply database migrations (DATABASE_URL, or the embedded database in THRESHOLD_DATA_DIR)
  bootstrap    Apply the default blueprints, create akadmin and the bootstrap API token (idempotent)
  config       Print the configuration reference as a Markdown table

Options:
  --dev        Development mode (no THRESHOLD_SECRET_KEY needed)
  -h, --help   Show help for threshold or a command
`;

const COMMAND_HELP: Record<string, string> = {
  migrate: "Usage: threshold migrate [--dev]\n\nApplies every pending migration in migrations/ to DATABASE_URL (or the embedded PGlite database\nin THRESHOLD_DATA_DIR). Safe to run repeatedly. Run it before `wrangler deploy` for Neon.\n",
  bootstrap: "Usage: threshold bootstrap [--dev]\n\nCreates the akadmin user, the 'authentik Admins' group and, when THRESHOLD_BOOTSTRAP_TOKEN is set,\nthe bootstrap API token. Existing objects are left unchanged.\n",
  config: "Usage: threshold config\n\nPrints every configuration key with its default and description (Markdown).\n",
};

async function run(argv: string[]): Promise<number> {
  const args = argv.filter((a) => !a.startsWith("-"));
  const flags = new Set(argv.filter((a) => a.startsWith("-")));
  const command = args[0];
  if (!command) {
    process.stdout.write(HELP);
    return flags.has("--help") || flags.has("-h") ? 0 : 64;
  }
  if (flags.has("--help") || flags.has("-h")) {
    const help = COMMAND_HELP[command];
    process.stdout.write(help ?? HELP);
    return help ? 0 : 64;
  }
  const env = { ...process.env };
  if (flags.has("--dev") && !env.THRESHOLD_ENVIRONMENT) env.THRESHOLD_ENVIRONMENT = "development";

  switch (command) {
    case "config": {
      const { configMarkdownTable } = await import("../core/config.js");
      process.stdout.write(configMarkdownTable() + "\n");
      return 0;
    }
    case "migrate": {
      const deps = await buildNodeDeps(loadConfig(env, "node"));
      process.stdout.write(`✔ migrations applied to ${deps.describe.database}\n`);
      await deps.shutdown();
      return 0;
    }
    case "bootstrap": {
      const config = loadConfig(env, "node");
      const deps = await buildNodeDeps(config);
      const defaults = await deps.applyDefaults();
      process.stdout.write(`✔ default blueprints applied (${defaults.created} created, ${defaults.updated} updated)\n`);
      const r = await bootstrap(deps, bootstrapInput(config));
      process.stdout.write(
        `${r.createdAdmin ? "✔ created akadmin" : "• akadmin already exists"}\n` +
          `${r.createdToken ? "✔ created the bootstrap API token" : "• no bootstrap token created"}\n` +
          (r.needsSetup ? "• akadmin has no password yet: open /if/flow/initial-setup/\n" : ""),
      );
      await deps.shutdown();
      return 0;
    }
    default:
      process.stderr.write(`threshold: unknown command '${command}'\n\n${HELP}`);
      return 64;
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => exitWithStartupError(error, ""),
);
