import { expect, it } from "vitest";
it("runs in workerd", () => {
  expect(typeof navigator.userAgent).toBe("string");
  expect(navigator.userAgent).toContain("Cloudflare-Workers");
});
