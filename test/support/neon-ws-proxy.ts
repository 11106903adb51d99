/**
 * A local WebSocket → TCP proxy, so the real Neon serverless driver reaches a real local
 * PostgreSQL (Neon's own proxy is not on npm). Each WebSocket carries one Postgres connection
 * to `?address=host[:port]` (port 5432 by default). Test-only: it forwards to any address, so it
 * listens on 127.0.0.1 only. Configure the driver with `neonProxyOptions(port)`.
 */
import { once } from "node:events";
import { connect } from "node:net";
import type { AddressInfo } from "node:net";
import WebSocket, { WebSocketServer } from "ws";
import type { NeonStoreOptions } from "../../src/adapters/postgres/neon.js";

export interface NeonWsProxy {
  port: number;
  close(): Promise<void>;
}

export async function startNeonWsProxy(): Promise<NeonWsProxy> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  wss.on("connection", (ws, req) => {
    const address = new URL(req.url ?? "/", "http://proxy").searchParams.get("address") ?? "";
    const [, host = "127.0.0.1", port = "5432"] = /^\[?([^\]]*?)\]?(?::(\d+))?$/.exec(address) ?? [];
    const socket = connect({ host, port: Number(port) });
    socket.on("data", (chunk) => ws.send(chunk));
    socket.on("close", () => ws.close());
    socket.on("error", () => ws.terminate());
    ws.on("message", (data) => socket.write(data as Buffer));
    ws.on("close", () => socket.end());
    ws.on("error", () => socket.destroy());
  });
  await once(wss, "listening");
  return {
    port: (wss.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}

/** Neon driver settings for the proxy (plain ws, no pipelining: SCRAM fails when pipelined). */
export function neonProxyOptions(port: number): NeonStoreOptions {
  return {
    webSocketConstructor: WebSocket,
    wsProxy: (host, dbPort) => `127.0.0.1:${port}/v1?address=${host}:${dbPort}`,
    useSecureWebSocket: false,
    pipelineTLS: false,
    pipelineConnect: false,
  };
}
