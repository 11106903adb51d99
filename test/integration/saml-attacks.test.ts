/**
 * SAML IdP negatives: unregistered ACS URLs, unsigned or tampered requests where signatures are
 * required, XXE, inflate bombs, signature wrapping, malformed input of every kind (never a 500),
 * plus the hardening primitives themselves.
 */
import { createSign } from "node:crypto";
import { deflateRawSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SamlRequestError } from "../../src/protocols/saml/errors.js";
import { checkedXmlText, decodeBase64, inflateRaw, MAX_XML_BYTES, parseXml } from "../../src/protocols/saml/xml.js";
import type { FlowClient } from "../support/flows.js";
import { login } from "../support/oauth2.js";
import { ACS, setupSaml, signXml, SP_ENTITY, type SamlEnv } from "../support/saml.js";

const SIG_ALG = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";

function authnRequest(opts: { id?: string; acs?: string; extra?: string; inner?: string } = {}): string {
  const acs = opts.acs === undefined ? ` AssertionConsumerServiceURL="${ACS}"` : opts.acs ? ` AssertionConsumerServiceURL="${opts.acs}"` : "";
  return (
    `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="${opts.id ?? "_req1"}" Version="2.0" IssueInstant="${new Date().toISOString()}"${acs} ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST">` +
    `<saml:Issuer>${SP_ENTITY}</saml:Issuer>${opts.inner ?? ""}${opts.extra ?? ""}</samlp:AuthnRequest>`
  );
}

/** A Redirect-binding query for `xml`, signed over the raw octets with `key` when given. */
function redirectQuery(xml: string | Buffer, key?: string, relayState?: string): string {
  const raw = typeof xml === "string" ? deflateRawSync(Buffer.from(xml)) : xml;
  let q = `SAMLRequest=${encodeURIComponent(raw.toString("base64"))}`;
  if (relayState !== undefined) q += `&RelayState=${encodeURIComponent(relayState)}`;
  if (key) {
    q += `&SigAlg=${encodeURIComponent(SIG_ALG)}`;
    const sig = createSign("RSA-SHA256").update(q).sign(key, "base64");
    q += `&Signature=${encodeURIComponent(sig)}`;
  }
  return q;
}

const form = (fields: Record<string, string>): RequestInit => ({
  method: "POST",
  headers: { "Content-Type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams(fields).toString(),
});

describe("SAML IdP negatives", () => {
  let signed: SamlEnv; // verification certificate set: requests must be signed
  let open: SamlEnv; // no verification certificate
  let browser: FlowClient;

  beforeAll(async () => {
    signed = await setupSaml({ verify: true });
    open = await setupSaml({ deps: signed.deps });
    browser = signed.browser();
    await login(browser);
  });
  afterAll(async () => {
    await signed.deps.queue.drain();
    await signed.deps.store.close();
  });

  async function sso(env: SamlEnv, query: string): Promise<{ status: number; body: string; location: string | null }> {
    const res = await browser.request(`/application/saml/${env.slug}/sso/binding/redirect/?${query}`);
    return { status: res.status, body: await res.text(), location: res.headers.get("location") };
  }

  it("a validly signed request is accepted (baseline for the cases below)", async () => {
    const res = await sso(signed, redirectQuery(authnRequest(), signed.sp.key, "rs"));
    expect(res.status).toBe(303);
    const page = await (await browser.request(res.location!)).text();
    expect(page).toContain(`action="${ACS}"`);
    expect(page).toContain('name="SAMLResponse"');
  });

  it("an AuthnRequest naming an unregistered ACS URL gets an error page: no SAMLResponse, nothing sent to that URL", async () => {
    for (const env of [signed, open]) {
      const res = await sso(env, redirectQuery(authnRequest({ acs: "https://evil.example.com/acs" }), env === signed ? env.sp.key : undefined));
      expect(res.status).toBe(400);
      expect(res.body).toContain("AssertionConsumerServiceURL is not registered");
      expect(res.body).not.toContain("SAMLResponse");
      expect(res.body).not.toContain("evil.example.com");
      expect(res.location).toBeNull();
    }
    // A prefix of a registered URL is not registered either (exact match).
    const res = await sso(open, redirectQuery(authnRequest({ acs: `${ACS}/../../other` })));
    expect(res.status).toBe(400);
  });

  it("several ACS URLs: a registered extra one is used, the default when none is named", async () => {
    const multi = await setupSaml({ deps: signed.deps, settings: { acs_urls: ["https://sp2.example.com/acs"] } });
    const extra = await sso(multi, redirectQuery(authnRequest({ acs: "https://sp2.example.com/acs" })));
    expect(await (await browser.request(extra.location!)).text()).toContain('action="https://sp2.example.com/acs"');
    const none = await sso(multi, redirectQuery(authnRequest({ acs: "" })));
    expect(await (await browser.request(none.location!)).text()).toContain(`action="${ACS}"`);
  });

  it("unsigned, wrongly signed or tampered requests are refused when the provider verifies signatures", async () => {
    const unsigned = await sso(signed, redirectQuery(authnRequest()));
    expect(unsigned.status).toBe(400);
    expect(unsigned.body).toMatch(/must be signed/);
    const other = await setupSaml({ deps: signed.deps });
    const wrongKey = await sso(signed, redirectQuery(authnRequest(), other.sp.key));
    expect(wrongKey.status).toBe(400);
    expect(wrongKey.body).toMatch(/signature is invalid/);
    // RelayState changed after signing.
    const q = redirectQuery(authnRequest(), signed.sp.key, "original").replace("RelayState=original", "RelayState=evil");
    expect((await sso(signed, q)).status).toBe(400);
    // POST without a signature, and with a signature by the wrong key.
    const post = (xml: string) => browser.request(`/application/saml/${signed.slug}/sso/binding/post/`, form({ SAMLRequest: Buffer.from(xml).toString("base64") }));
    const plain = await post(authnRequest());
    expect(plain.status).toBe(400);
    expect(await plain.text()).toMatch(/exactly one signature/);
    expect((await post(signXml(authnRequest(), other.sp.key, other.sp.cert))).status).toBe(400);
    // A signed POST request passes, and tampering with its content after signing does not.
    const good = signXml(authnRequest(), signed.sp.key, signed.sp.cert);
    expect((await post(good)).status).toBe(303);
    expect((await post(good.replace(ACS, "https://sp.example.com/saml/acs2"))).status).toBe(400);
  });

  it("signature-wrapped AuthnRequests are refused", async () => {
    const post = (xml: string) => browser.request(`/application/saml/${signed.slug}/sso/binding/post/`, form({ SAMLRequest: Buffer.from(xml).toString("base64") }));
    const original = signXml(authnRequest({ id: "_legit" }), signed.sp.key, signed.sp.cert);
    const inner = original.replace(/^<samlp:AuthnRequest [^>]*>/, (m) => m.replace("samlp:AuthnRequest", "samlp:AuthnRequest")).replace(/<\?xml[^>]*\?>/, "");
    // XSW1-like: an evil root wraps the signed original in <Extensions>, with the original's signature moved to the root.
    const signature = /<ds:Signature[\s\S]*<\/ds:Signature>/.exec(original)![0];
    const unsignedOriginal = inner.replace(signature, "");
    const xsw1 = authnRequest({ id: "_evil", acs: "https://evil.example.com/acs", inner: signature, extra: `<samlp:Extensions>${unsignedOriginal}</samlp:Extensions>` });
    const r1 = await post(xsw1);
    expect(r1.status).toBe(400);
    // XSW2-like: the evil root carries the whole signed original (signature included) inside.
    const xsw2 = authnRequest({ id: "_evil", acs: "https://evil.example.com/acs", extra: `<samlp:Extensions>${inner}</samlp:Extensions>` });
    const r2 = await post(xsw2);
    expect(r2.status).toBe(400);
    // Duplicate IDs: the evil root reuses the signed ID.
    const xsw3 = authnRequest({ id: "_legit", acs: "https://evil.example.com/acs", inner: signature, extra: `<samlp:Extensions>${unsignedOriginal}</samlp:Extensions>` });
    const r3 = await post(xsw3);
    expect(r3.status).toBe(400);
    expect(await r1.text()).toContain("The signature does not cover the request.");
    expect(await r2.text()).toContain("exactly one signature on its root element");
    expect(await r3.text()).toContain("ID is not unique");
  });

  it("an XXE payload is refused before parsing", async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + authnRequest({ extra: "<saml:Issuer>&xxe;</saml:Issuer>" });
    const res = await sso(open, redirectQuery(xxe));
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/DTDs are not allowed/);
    expect(res.body).not.toContain("root:");
    const billion = `<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>` + authnRequest({ extra: "<x>&b;</x>" });
    expect((await sso(open, redirectQuery(billion))).status).toBe(400);
  });

  it("a 1 MB inflate bomb is refused at the inflate limit", async () => {
    const bomb = deflateRawSync(Buffer.from(authnRequest({ extra: `<!--${" ".repeat(1024 * 1024)}-->` })));
    expect(bomb.length).toBeLessThan(4096);
    const res = await sso(open, redirectQuery(bomb));
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/too large/);
    // The primitive stops reading at the limit instead of inflating everything.
    await expect(inflateRaw(new Uint8Array(deflateRawSync(Buffer.alloc(1024 * 1024))))).rejects.toThrow(/too large/);
  });

  it("malformed input of every kind is a 4xx page, never a 500", async () => {
    const cases: [string, RequestInit?][] = [
      [`/application/saml/${open.slug}/sso/binding/redirect/`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?SAMLRequest=`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?SAMLRequest=%%%`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?SAMLRequest=not-base64!`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?SAMLRequest=AAAA`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery("<a>")}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery("not xml at all")}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(authnRequest().replace('Version="2.0"', 'Version="1.1"'))}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(authnRequest({ id: "1bad id" }))}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(authnRequest().replace(/AuthnRequest/g, "LogoutRequest"))}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(authnRequest().replace("HTTP-POST", "SOAP"))}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(authnRequest({ extra: '<samlp:NameIDPolicy Format="urn:x:bogus"/>' }))}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(authnRequest())}&SAMLRequest=x`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(authnRequest(), undefined, "r".repeat(2000))}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(Buffer.from([0xff, 0xfe, 0x00]))}`],
      [`/application/saml/${open.slug}/sso/binding/redirect/?${redirectQuery(deflateRawSync(Buffer.from([0xc3, 0x28])))}`],
      [`/application/saml/${open.slug}/sso/binding/post/`, { method: "POST" }],
      [`/application/saml/${open.slug}/sso/binding/post/`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }],
      [`/application/saml/${open.slug}/sso/binding/post/`, form({ SAMLRequest: "x".repeat(300_000) })],
      [`/application/saml/${open.slug}/sso/binding/post/`, form({ SAMLRequest: Buffer.from("<a><b></a>").toString("base64") })],
      [`/application/saml/${signed.slug}/sso/binding/redirect/?${redirectQuery(authnRequest())}&SigAlg=x&Signature=%%%`],
      [`/application/saml/${signed.slug}/sso/binding/redirect/?${redirectQuery(authnRequest())}&SigAlg=${encodeURIComponent(SIG_ALG)}&Signature=AAAA`],
      [`/application/saml/${signed.slug}/sso/binding/redirect/?${redirectQuery(authnRequest())}&SigAlg=%E0%A4%A&Signature=AAAA`],
      [`/application/saml/${signed.slug}/sso/binding/redirect/?${redirectQuery(authnRequest(), signed.sp.key)}&%E0%A4%A=1`],
      [`/application/saml/${signed.slug}/slo/binding/redirect/?${redirectQuery(authnRequest())}&SigAlg=%%&Signature=%%`],
      [`/application/saml/no-such-app/sso/binding/redirect/?${redirectQuery(authnRequest())}`],
      [`/application/saml/no-such-app/metadata/`],
      [`/application/saml/${open.slug}/sso/resume/not-a-valid-id/`],
      [`/application/saml/${open.slug}/sso/resume/${"a".repeat(32)}/`],
      [`/application/saml/${open.slug}/sso/response/${"a".repeat(32)}/`],
      [`/application/saml/${open.slug}/slo/binding/redirect/?SAMLRequest=AAAA`],
      [`/application/saml/${open.slug}/slo/binding/redirect/?${redirectQuery(authnRequest())}`],
      [`/application/saml/${open.slug}/slo/binding/post/`, form({ SAMLRequest: "%%%" })],
    ];
    for (const [path, init] of cases) {
      const res = await browser.request(path, init);
      expect(res.status, path.slice(0, 120)).toBeGreaterThanOrEqual(400);
      expect(res.status, path.slice(0, 120)).toBeLessThan(500);
      expect(await res.text()).not.toMatch(/at [\w.]+ \(|stack/i);
    }
    expect(signed.deps.logLines.filter((l) => /"level":"error"/.test(l))).toEqual([]);
  });

  it("a request whose Destination names another endpoint is refused", async () => {
    const to = (d: string) => authnRequest().replace('Version="2.0"', `Version="2.0" Destination="${d}"`);
    const other = await sso(open, redirectQuery(to(`http://localhost/application/saml/${signed.slug}/sso/binding/redirect/`)));
    expect(other.status).toBe(400);
    expect(other.body).toMatch(/Destination is not this endpoint/);
    const ours = await sso(open, redirectQuery(to(`https://idp.example.com/application/saml/${open.slug}/sso/binding/redirect/`)));
    expect(ours.status).toBe(303);
  });

  it("an oversized POST body is refused while it is read, chunked or not", async () => {
    const big = new Uint8Array(1024 * 1024).fill(65);
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 16; i++) controller.enqueue(big.subarray(i * 65536, (i + 1) * 65536));
        controller.close();
      },
    });
    for (const body of [`SAMLRequest=${"A".repeat(1024 * 1024)}`, chunked]) {
      const res = await browser.request(`/application/saml/${open.slug}/sso/binding/post/`, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body,
        ...(typeof body === "string" ? {} : { duplex: "half" }),
      } as RequestInit);
      expect(res.status).toBe(413);
      expect(await res.text()).toMatch(/too large/);
    }
  });

  it("a prepared Response is delivered once, and only to the browser session whose user it was made for", async () => {
    const consent = await setupSaml({ deps: signed.deps, consent: true });
    const owner = consent.browser();
    await login(owner);
    /** IdP-initiated SSO through the consent stage; returns the delivery URL the fulfilment step made. */
    const prepared = async (): Promise<string> => {
      const start = await owner.request(`/application/saml/${consent.slug}/sso/binding/init/`);
      const toFlow = await owner.request(start.headers.get("location")!);
      expect(toFlow.headers.get("location")).toBe(`/if/flow/${consent.flowSlug}/`);
      const challenge = await owner.get(consent.flowSlug);
      expect(challenge.body.component).toBe("ak-stage-consent");
      const done = await owner.post(consent.flowSlug, { component: "ak-stage-consent", token: challenge.body.token });
      const to = String(done.body.to);
      expect(to).toMatch(new RegExp(`^/application/saml/${consent.slug}/sso/response/`));
      return to;
    };
    const first = await prepared();
    const ok = await owner.request(first);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('name="SAMLResponse"');
    expect((await owner.request(first)).status).toBe(400); // single use
    // Another browser (anonymous, or logged in as someone else) gets no Response.
    const second = await prepared();
    const thief = consent.browser();
    const stolen = await thief.request(second);
    expect(stolen.status).toBe(400);
    expect(await stolen.text()).not.toContain("SAMLResponse");
  });

  it("a provider deleted while the user is in its authorization flow ends the flow with a denial, not a 500", async () => {
    const consent = await setupSaml({ deps: signed.deps, consent: true });
    const b = consent.browser();
    await login(b);
    const start = await b.request(`/application/saml/${consent.slug}/sso/binding/init/`);
    await b.request(start.headers.get("location")!);
    const challenge = await b.get(consent.flowSlug);
    await signed.deps.store.saml.updateSettings(consent.providerPk, { acs_url: "not a url" }); // now unusable
    const done = await b.post(consent.flowSlug, { component: "ak-stage-consent", token: challenge.body.token });
    expect(done.status).toBeLessThan(500);
    expect(JSON.stringify(done.body)).toMatch(/no longer available/);
  });

  it("300 mutated AuthnRequests and LogoutRequests (both bindings, signed and unsigned providers): never a 500", async () => {
    let seed = 0x5eed;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const pieces = ["<", ">", "/>", "&", "&amp;", '"', "'", "\u0000", "<!--", "]]>", "<![CDATA[", "xmlns:x='y'", "ID=\"\"", "<saml:Issuer>", "</samlp:AuthnRequest>", "é", "\uFFFF"];
    const mutate = (xml: string): string => {
      const at = rnd(xml.length);
      switch (rnd(4)) {
        case 0:
          return xml.slice(0, at);
        case 1:
          return xml.slice(0, at) + pieces[rnd(pieces.length)] + xml.slice(at);
        case 2:
          return xml.slice(0, at) + xml.slice(at + 1 + rnd(20));
        default:
          return xml.slice(0, at) + String.fromCharCode(rnd(0x3000)) + xml.slice(at + 1);
      }
    };
    const base = [authnRequest(), signXml(authnRequest(), signed.sp.key, signed.sp.cert), authnRequest().replace(/AuthnRequest/g, "LogoutRequest")];
    for (let i = 0; i < 300; i++) {
      const xml = mutate(base[i % base.length]!);
      const env = i % 2 ? signed : open;
      const kind = xml.includes("LogoutRequest") ? "slo" : "sso";
      const res =
        rnd(2) === 0
          ? await browser.request(`/application/saml/${env.slug}/${kind}/binding/redirect/?${redirectQuery(xml, env === signed ? signed.sp.key : undefined)}`)
          : await browser.request(`/application/saml/${env.slug}/${kind}/binding/post/`, form({ SAMLRequest: Buffer.from(xml).toString("base64") }));
      expect(res.status, xml).toBeLessThan(500);
      await res.body?.cancel();
    }
  });

  it("a resume id from one provider does not work for another", async () => {
    const res = await sso(open, redirectQuery(authnRequest()));
    const id = /\/sso\/resume\/([^/]+)\//.exec(res.location!)![1]!;
    const cross = await browser.request(`/application/saml/${signed.slug}/sso/resume/${id}/`);
    expect(cross.status).toBe(400);
  });
});

describe("SAML hardening primitives", () => {
  it("decodeBase64 is strict and bounded", () => {
    expect(new TextDecoder().decode(decodeBase64("PGE+PC9hPg=="))).toBe("<a></a>");
    expect(new TextDecoder().decode(decodeBase64("PGE+\r\nPC9hPg=="))).toBe("<a></a>");
    expect(() => decodeBase64("PGE+PC9hPg")).toThrow(SamlRequestError);
    expect(() => decodeBase64("<a>")).toThrow(SamlRequestError);
    expect(() => decodeBase64("A".repeat(MAX_XML_BYTES * 2))).toThrow(/too large/);
  });

  it("inflateRaw stops at the limit and refuses garbage", async () => {
    const small = deflateRawSync(Buffer.from("<a/>"));
    expect(new TextDecoder().decode(await inflateRaw(new Uint8Array(small)))).toBe("<a/>");
    await expect(inflateRaw(new Uint8Array(deflateRawSync(Buffer.alloc(MAX_XML_BYTES + 1))))).rejects.toThrow(/too large/);
    await expect(inflateRaw(new Uint8Array([1, 2, 3, 4, 5]))).rejects.toThrow(SamlRequestError);
  });

  it("checkedXmlText refuses DTDs and non-UTF-8; parseXml refuses malformed XML", () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(checkedXmlText(enc("<a>é</a>"))).toBe("<a>é</a>");
    for (const dtd of ["<!DOCTYPE a>", "<!doctype a>", '<!ENTITY x "y">', "<!ATTLIST a b CDATA #IMPLIED>", "<!ELEMENT a ANY>"]) {
      expect(() => checkedXmlText(enc(`${dtd}<a/>`))).toThrow(/DTDs are not allowed/);
    }
    expect(() => checkedXmlText(new Uint8Array([0x3c, 0x61, 0xff, 0x3e]))).toThrow(/UTF-8/);
    expect(parseXml("<a><b/></a>").documentElement!.localName).toBe("a");
    for (const bad of ["<a>", "<a></b>", "", "text", "<a x='1' x='2'/>"]) expect(() => parseXml(bad), bad).toThrow(SamlRequestError);
  });
});
