/** `threshold users import FILE [--format csv|json|authentik|keycloak] [--batch-size N]`. */
import { readFile } from "node:fs/promises";
import type { Db } from "../../adapters/postgres/db.js";
import { UsageError } from "../args.js";
import { EXIT, type Command, type Io } from "../command.js";
import { withDeps } from "../deps.js";
import { detectFormat, IMPORT_FORMATS, ImportFormatError, parseUsers, type ImportFormat } from "../import/parse.js";
import { createProgress } from "../import/progress.js";
import { writeUsers, type ImportSummary } from "../../adapters/postgres/user-import.js";

export const usersImport: Command = {
  name: "users import",
  summary: "Import users with their password hashes (CSV, JSON, authentik, Keycloak)",
  valued: ["--format", "--batch-size"],
  help: `Usage: threshold users import FILE [--format csv|json|authentik|keycloak] [--batch-size N] [--dev]

Imports users, keeping their password hashes: users log in with their old passwords and are
re-hashed to argon2id on their first login. Idempotent on username: a second run updates
name/email/active and adds group memberships; an existing password is never overwritten.
Missing groups are created. Users are written in transactions of --batch-size (default 1000).

Formats (guessed from the file when --format is not given):
  csv        header row: username,email,name,password_hash (or password),groups[,is_active];
             groups split on ';' — authentik's user table exported with psql \copy … csv header
             reads as is (t/f booleans; Django's "!…" unusable passwords import without one)
  json       [{"username", "email", "name", "password_hash", "groups": [..]}, …]
  authentik  /api/v3/core/users/ JSON ({"results": […]}, hash in "password"), or a blueprint
             (.yaml) with authentik_core.user entries whose attrs.password is a hash
  keycloak   realm export: users[].credentials[] (pbkdf2*, argon2) → keycloak$<json>;
             service-account-<client> users are skipped; groups by their last path segment
Hashes: Django pbkdf2_sha256/pbkdf2_sha1 (any iteration count), argon2, bcrypt (plain, bcrypt$,
bcrypt_sha256$), Keycloak. Records with another format are skipped and listed.
`,
  async run(args, io) {
    const [file, extra] = args.positionals;
    if (!file) throw new UsageError("users import needs a FILE");
    if (extra) throw new UsageError(`unexpected argument '${extra}'`);
    const format = args.options.get("--format");
    if (format && !(IMPORT_FORMATS as readonly string[]).includes(format)) {
      throw new UsageError(`--format must be one of ${IMPORT_FORMATS.join(", ")}`);
    }
    const batchSize = Number(args.options.get("--batch-size") ?? 1000);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new UsageError("--batch-size must be a positive integer");
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (e) {
      io.stderr.write(`✘ ${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})\n`);
      return EXIT.noInput;
    }
    return withDeps(io, (_deps, db) => importUsersText(db, text, { file, format: format as ImportFormat | undefined, batchSize }, io));
  },
};

/** Parses and imports; prints progress (stderr) and the summary (stdout). */
export async function importUsersText(
  db: Db,
  text: string,
  opts: { file: string; format?: ImportFormat; batchSize?: number },
  io: Io,
): Promise<number> {
  const format = opts.format ?? detectFormat(opts.file, text);
  let users;
  try {
    users = parseUsers(text, format);
  } catch (e) {
    if (!(e instanceof ImportFormatError)) throw e;
    io.stderr.write(`✘ ${opts.file} (${format}): ${e.message}\nNothing was imported.\n`);
    return EXIT.dataErr;
  }
  const progress = createProgress(io.stderr, "importing users");
  const summary = await writeUsers(db, users, {
    batchSize: opts.batchSize,
    onProgress: users.length >= 1000 ? (d, t) => progress.update(d, t) : undefined,
  });
  progress.finish();
  io.stdout.write(formatSummary(opts.file, format, summary));
  return EXIT.ok;
}

export function formatSummary(file: string, format: string, s: ImportSummary): string {
  const lines = [
    `✔ ${file} (${format}): ${s.imported} imported, ${s.updated} updated, ${s.unchanged} unchanged, ${s.skipped.length} skipped` +
      (s.groupsCreated ? `, ${s.groupsCreated} groups created` : ""),
  ];
  const shown = s.skipped.slice(0, 50);
  for (const k of shown) lines.push(`  • skipped record ${k.line}${k.username ? ` (${k.username})` : ""}: ${k.reason}`);
  if (s.skipped.length > shown.length) lines.push(`  • … and ${s.skipped.length - shown.length} more skipped`);
  return lines.join("\n") + "\n";
}
