/**
 * A real local SMTP server for tests (smtp-server on 127.0.0.1, random port, no TLS) that keeps
 * what it receives, with a small MIME decoder (headers, multipart/alternative,
 * quoted-printable / base64 bodies) — enough to read what nodemailer sends.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";
import type { DeliveredMail } from "./mailer-contract.js";

export interface ReceivedMail extends DeliveredMail {
  /** Envelope (MAIL FROM / RCPT TO). */
  envelope: { from: string; to: string[] };
  /** Lower-cased header names → unfolded values. */
  headers: Map<string, string>;
  /** The user that authenticated for this session, if any. */
  authUser?: string;
  raw: string;
}

export interface SmtpSink {
  port: number;
  received: ReceivedMail[];
  /** Failed AUTH attempts. */
  authFailures: number;
  /** Waits until `count` messages arrived (or throws after `ms`). */
  waitFor(count: number, ms?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.replace(/\r\n[ \t]+/g, " ").split("\r\n")) {
    const i = line.indexOf(":");
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return headers;
}

function split(raw: string): { headers: Map<string, string>; body: string } {
  const i = raw.indexOf("\r\n\r\n");
  return i < 0 ? { headers: parseHeaders(raw), body: "" } : { headers: parseHeaders(raw.slice(0, i)), body: raw.slice(i + 4) };
}

function decodeBody(body: string, encoding: string | undefined): string {
  const enc = (encoding ?? "7bit").toLowerCase();
  if (enc === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  if (enc === "quoted-printable") {
    const bytes = Buffer.from(body.replace(/=\r\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1");
    return bytes.toString("utf8");
  }
  return Buffer.from(body, "latin1").toString("utf8"); // 7bit / 8bit: raw bytes are UTF-8
}

/** RFC 2047 encoded words in headers (`=?UTF-8?Q?…?=` / `?B?`). */
function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([QB])\?([^?]*)\?=\s*/gi, (_, _cs, kind: string, text: string) =>
    kind.toUpperCase() === "B"
      ? Buffer.from(text, "base64").toString("utf8")
      : Buffer.from(text.replace(/_/g, " ").replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1").toString("utf8"),
  );
}

function bodies(headers: Map<string, string>, body: string): { text?: string; html?: string } {
  const type = headers.get("content-type") ?? "text/plain";
  const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
  if (/^multipart\//i.test(type) && boundary) {
    const out: { text?: string; html?: string } = {};
    for (const part of body.split(`--${boundary}`).slice(1)) {
      if (part.startsWith("--")) break;
      const p = split(part.replace(/^\r\n/, ""));
      Object.assign(out, bodies(p.headers, p.body.replace(/\r\n$/, "")));
    }
    return out;
  }
  const text = decodeBody(body, headers.get("content-transfer-encoding")).replace(/\r\n/g, "\n");
  return /^text\/html/i.test(type) ? { html: text } : { text };
}

export function parseMail(raw: string): Omit<ReceivedMail, "envelope" | "authUser"> {
  const { headers, body } = split(raw);
  const parts = bodies(headers, body);
  return {
    raw,
    headers,
    to: decodeWords(headers.get("to") ?? ""),
    from: decodeWords(headers.get("from") ?? ""),
    subject: decodeWords(headers.get("subject") ?? ""),
    text: parts.text ?? "",
    ...(parts.html !== undefined ? { html: parts.html } : {}),
  };
}

/** Starts the sink; with `auth`, AUTH PLAIN/LOGIN is required and checked. */
export async function startSmtpSink(opts: { auth?: { user: string; pass: string } } = {}): Promise<SmtpSink> {
  const received: ReceivedMail[] = [];
  const sink = { authFailures: 0 };
  const server = new SMTPServer({
    secure: false,
    disabledCommands: opts.auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    authOptional: !opts.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) return callback(null, { user: auth.username });
      sink.authFailures++;
      return callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
        };
        received.push({ ...parseMail(Buffer.concat(chunks).toString("latin1")), envelope, authUser: session.user as string | undefined });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    received,
    get authFailures() {
      return sink.authFailures;
    },
    async waitFor(count, ms = 5000) {
      const until = Date.now() + ms;
      while (received.length < count) {
        if (Date.now() > until) throw new Error(`expected ${count} mails, got ${received.length}`);
        await new Promise((r) => setTimeout(r, 10));
      }
      return received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
