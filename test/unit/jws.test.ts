/** `signJwt` with the Worker's WebCrypto signer, in workerd; and `base64url` / `base64urlText`. */
import { describe, expect, it } from "vitest";
import { webCryptoSigner } from "../../src/adapters/crypto/webcrypto-signer.js";
import { base64url, base64urlText, fromBase64url, utf8 } from "../../src/core/encoding.js";
import { signJwtCases } from "../support/jws-cases.js";

describe("signJwt with the WebCrypto signer (Workers)", () => signJwtCases(webCryptoSigner));

describe("base64urlText", () => {
  it("is base64url of the UTF-8 bytes, ASCII or not, without padding", () => {
    for (const text of ["", "a", "ab", "abc", '{"sub":"x"}', "Zoë 山田 🙂", "\u0000\u007f", "??>>"]) {
      const bytes = utf8.encode(text);
      let bin = "";
      for (const b of bytes) bin += String.fromCharCode(b);
      expect(base64urlText(text)).toBe(btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
      expect(utf8.decode(fromBase64url(base64urlText(text)))).toBe(text);
    }
    expect(base64urlText("??>>")).toBe("Pz8-Pg"); // url-safe "+"
    expect(base64urlText("???")).toBe("Pz8_"); // url-safe "/"
  });
});

describe("base64url", () => {
  it("encodes RFC 4648 §10's vectors, url-safe and unpadded", () => {
    const vectors: [string, string][] = [["", ""], ["f", "Zg"], ["fo", "Zm8"], ["foo", "Zm9v"], ["foob", "Zm9vYg"], ["fooba", "Zm9vYmE"], ["foobar", "Zm9vYmFy"]];
    for (const [text, b64] of vectors) expect(base64url(utf8.encode(text))).toBe(b64);
    expect(base64url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
    expect(base64url(new Uint8Array([0xff, 0xff, 0xfe]))).toBe("___-");
  });

  it("matches btoa and round-trips for every length and byte value", () => {
    for (let len = 0; len <= 70; len++) {
      const bytes = crypto.getRandomValues(new Uint8Array(len));
      if (len === 70) for (let i = 0; i < 70; i++) bytes[i] = (i * 37) & 0xff;
      let bin = "";
      for (const b of bytes) bin += String.fromCharCode(b);
      const encoded = base64url(bytes);
      expect(encoded).toBe(btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""));
      expect(fromBase64url(encoded)).toEqual(bytes);
    }
  });
});
