/** `signJwt` with the Node host's node:crypto signer (src/adapters/crypto/node-signer.ts). */
import { describe } from "vitest";
import { nodeSigner } from "../../src/adapters/crypto/node-signer.js";
import { signJwtCases } from "../support/jws-cases.js";

describe("signJwt with the node:crypto signer (Node host)", () => signJwtCases(nodeSigner));
