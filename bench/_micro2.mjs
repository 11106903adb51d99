import { generateKeyPairSync, sign, KeyObject, webcrypto } from "node:crypto";
const data = Buffer.from("x".repeat(300));
const N = 4000;
async function run(label, f, par = 10) {
  const t = performance.now(); const c0 = process.cpuUsage();
  for (let i = 0; i < N; i += par) await Promise.all(Array.from({ length: par }, f));
  const c1 = process.cpuUsage(c0); console.log(label.padEnd(28), "wall µs", ((performance.now() - t) * 1000 / N).toFixed(1).padStart(7), "cpu µs", ((c1.user + c1.system) / N).toFixed(1).padStart(7));
}
for (const [kind, opts, wc] of [["ec", { namedCurve: "P-256" }, { name: "ECDSA", namedCurve: "P-256" }], ["rsa", { modulusLength: 2048 }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }]]) {
  const { privateKey } = generateKeyPairSync(kind, opts);
  const ck = await webcrypto.subtle.importKey("jwk", privateKey.export({ format: "jwk" }), wc, false, ["sign"]);
  const ko = KeyObject.from(ck);
  const salg = kind === "ec" ? { name: "ECDSA", hash: "SHA-256" } : { name: "RSASSA-PKCS1-v1_5" };
  const nopt = kind === "ec" ? { key: ko, dsaEncoding: "ieee-p1363" } : ko;
  for (let r = 0; r < 2; r++) {
  await run(kind + " webcrypto", () => webcrypto.subtle.sign(salg, ck, data));
  await run(kind + " node sync", async () => sign("sha256", data, nopt));
  await run(kind + " node async cb", () => new Promise((res, rej) => sign("sha256", data, nopt, (e, s) => (e ? rej(e) : res(s)))));
  }
}
