/** `signJwt` with the Worker's WebCrypto signer, in workerd; and `base64urlText`. */
import { describe, expect, it } from "vitest";
import { webCryptoSigner } from "../../src/adapters/crypto/webcrypto-signer.js";
import { base64urlText, fromBase64url, utf8 } from "../../src/core/encoding.js";
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
