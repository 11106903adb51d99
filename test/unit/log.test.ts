import { describe, expect, it } from "vitest";
import { createJsonLogger } from "../../src/core/log.js";

describe("JSON-line logger", () => {
  it("writes one JSON object per line with level filtering and child fields", () => {
    const lines: string[] = [];
    const log = createJsonLogger({ level: "info", write: (l) => lines.push(l), now: () => new Date(0) });
    log.debug("hidden");
    log.child({ request_id: "r1" }).info("hello", { path: "/x" });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ ts: "1970-01-01T00:00:00.000Z", level: "info", msg: "hello", request_id: "r1", path: "/x" });
  });

  it("redacts secret-looking fields at any depth", () => {
    const lines: string[] = [];
    const log = createJsonLogger({ write: (l) => lines.push(l) });
    log.info("x", {
      password: "hunter2",
      nested: { client_secret: "s3cr3t", Authorization: "Bearer abc", ok: 1 },
      list: [{ token: "t0k3n" }],
      DATABASE_URL: "postgres://u:pw@h/db",
    });
    const line = lines[0]!;
    for (const secret of ["hunter2", "s3cr3t", "Bearer abc", "t0k3n", "pw@h"]) expect(line).not.toContain(secret);
    expect(JSON.parse(line).nested.ok).toBe(1);
  });
});
