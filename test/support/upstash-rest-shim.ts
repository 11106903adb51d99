/**
 * A local stand-in for Upstash's REST API (DESIGN §8: there is no npm server for it), so the real
 * `@upstash/redis` client can be tested against a real redis-server. It speaks the part of the
 * protocol that client uses:
 *  - `POST /` with a command array (`["set","k","v","px",1000]`) → `{result}` or `{error}` (400);
 *  - `POST /pipeline` and `POST /multi-exec` with an array of command arrays → an array of
 *    `{result}` / `{error}` (multi-exec runs them in one MULTI/EXEC);
 *  - `Authorization: Bearer <token>` (401 otherwise);
 *  - `Upstash-Encoding: base64`: every string in a result is base64 (UTF-8); the client decodes
 *    every string it receives except a bare "OK".
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Redis } from "ioredis";

export interface UpstashShim {
  /** Base URL for the client, e.g. `http://127.0.0.1:53211`. */
  url: string;
  token: string;
  close(): Promise<void>;
}

type Command = [string, ...(string | number)[]];
type Reply = { result: unknown } | { error: string };

export async function startUpstashShim(opts: { redisUrl: string; token: string }): Promise<UpstashShim> {
  const redis = new Redis(opts.redisUrl);

  async function run(path: string, body: unknown): Promise<Reply | Reply[]> {
    if (path === "/") {
      const [name, ...args] = body as Command;
      return { result: await redis.call(name, ...args) };
    }
    const commands = body as Command[];
    const batch = path === "/multi-exec" ? redis.multi() : redis.pipeline();
    for (const [name, ...args] of commands) batch.call(name, ...args);
    const replies = (await batch.exec()) ?? [];
    return replies.map(([error, result]) => (error ? { error: error.message } : { result }));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const send = (status: number, body: unknown): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${opts.token}`) return send(401, { error: "Unauthorized" });
    const path = new URL(req.url ?? "/", "http://shim").pathname;
    if (req.method !== "POST" || !["/", "/pipeline", "/multi-exec"].includes(path)) {
      return send(404, { error: `shim does not implement ${req.method} ${path}` });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const base64 = req.headers["upstash-encoding"] === "base64";
    try {
      const reply = await run(path, JSON.parse(Buffer.concat(chunks).toString("utf8")));
      send(200, base64 ? encodeReplies(reply) : reply);
    } catch (error) {
      send(400, { error: error instanceof Error ? error.message : String(error) });
    }
  }

  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token: opts.token,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await redis.quit();
    },
  };
}

function encodeReplies(reply: Reply | Reply[]): Reply | Reply[] {
  if (Array.isArray(reply)) return reply.map((r) => encodeReplies(r) as Reply);
  return "result" in reply ? { result: toBase64(reply.result) } : reply;
}

function toBase64(value: unknown): unknown {
  if (typeof value === "string") return Buffer.from(value, "utf8").toString("base64");
  if (Array.isArray(value)) return value.map(toBase64);
  return value;
}
