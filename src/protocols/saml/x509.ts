/**
 * @peculiar/x509 through one door: it uses tsyringe, which needs the `reflect-metadata`
 * polyfill loaded first (ES modules evaluate imports in order, so this file guarantees it
 * whichever SAML module is imported first).
 */
import "reflect-metadata";

export * from "@peculiar/x509";
