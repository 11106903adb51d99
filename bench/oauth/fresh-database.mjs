// A fresh PostgreSQL database for one benchmark target, in the server `serverUrl` names; `drop()`
// removes it (closing whatever still connects). Shared by bench/oauth/run.mjs and instructions.mjs.
import { randomUUID } from "node:crypto";
import pg from "pg";

async function query(serverUrl, sql) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export async function freshDatabase(serverUrl, prefix) {
  const name = `${prefix}_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
  await query(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => query(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
