/**
 * The LDAP server (ldapjs): simple bind through the edge issuer's flows, search over the
 * directory, WhoAmI (RFC 4532), paged results (RFC 2696), and refusals with the right codes
 * (49 invalid credentials, 50 insufficient access, 32 no such object, 4 size limit, 53 for
 * writes, 52 when the issuer is unreachable).
 */
import { randomBytes } from "node:crypto";
import ldap from "ldapjs";
import type { LdapProviderConfig } from "../api.js";
import type { Logger } from "../log.js";
import type { Binder, BoundIdentity } from "./bind.js";
import type { Directory, Snapshot } from "./directory.js";
import { directoryEntries, normDn, type LdapEntry } from "./entries.js";
import { encodeSearchEntry } from "./ber.js";
import { search, type LdapFilter } from "./search.js";

const WHOAMI_OID = "1.3.6.1.4.1.4203.1.11.3";
const PAGED_OID = "1.2.840.113556.1.4.319";
/** RFC 4511 resultCode sizeLimitExceeded. */
const SIZE_LIMIT_EXCEEDED = 4;
/** ldapjs 3 re-exports @ldapjs/controls; its bundled types (v2) do not know it. */
const { PagedResultsControl } = ldap as unknown as {
  PagedResultsControl: new (opts: { value: { size: number; cookie: Buffer } }) => unknown;
};
/**
 * ldapjs's server runs `req.name = DN.fromString(req.name)` on every bind, but @ldapjs/messages'
 * BindRequest has only a getter: sloppy-mode CommonJS ignores the assignment, strict mode (our
 * esbuild bundle) throws and every bind would answer 34. A no-op setter restores what ldapjs
 * expects (the DN is read through `req.dn` either way).
 */
const bindRequestProto = (ldap as unknown as { BindRequest: { prototype: object } }).BindRequest.prototype;
const bindName = Object.getOwnPropertyDescriptor(bindRequestProto, "name");
if (bindName?.get && !bindName.set) Object.defineProperty(bindRequestProto, "name", { ...bindName, set: () => undefined });
/** Paged searches left unfinished on a connection are forgotten beyond this many. */
const MAX_OPEN_PAGINGS = 16;

/** What the handlers use of ldapjs's request/response objects (its bundled types predate v3). */
interface Conn {
  remoteAddress?: string;
  on(event: "close", fn: () => void): void;
}
interface Req {
  dn: { toString(): string };
  connection: Conn;
  credentials?: string;
  scopeName: string;
  filter: LdapFilter;
  attributes: string[];
  sizeLimit: number;
  controls: { type: string; value: { size: number; cookie: Buffer } }[];
  requestName?: string;
}
interface Res {
  messageId: number;
  sentEntries: number;
  connection: { cork(): void; uncork(): void; write(chunk: Buffer): boolean };
  attributes: string[];
  responseValue?: string;
  send(entry: { dn: string; attributes: Record<string, string[]> }, noFiltering?: boolean): void;
  addControl(control: unknown): void;
  end(status?: number): void;
}
type Next = (err?: unknown) => void;
type Handler = (req: Req, res: Res, next: Next) => void | Promise<void>;

interface ConnState {
  identity: BoundIdentity | null;
  pagings: Map<string, LdapEntry[]>;
}

export interface LdapServerDeps {
  log: Logger;
  providers: () => LdapProviderConfig[];
  binder: Binder;
  directory: Directory;
}

function providerFor(providers: LdapProviderConfig[], dn: string): LdapProviderConfig | undefined {
  if (!dn.includes("=")) return providers[0];
  const n = normDn(dn);
  return providers.find((p) => n === normDn(p.base_dn) || n.endsWith(`,${normDn(p.base_dn)}`));
}

function rootDse(providers: LdapProviderConfig[]): LdapEntry {
  return {
    dn: "",
    attributes: {
      objectClass: ["top"],
      namingContexts: providers.map((p) => p.base_dn),
      supportedLDAPVersion: ["3"],
      supportedExtension: [WHOAMI_OID],
      supportedControl: [PAGED_OID],
      vendorName: ["Threshold"],
    },
  };
}

/** `tls`: serve LDAPS (the same handlers behind TLS). */
/**
 * A snapshot's entries per provider configuration, built once: cached search mode reuses the
 * snapshot, and a configuration change brings new provider objects.
 */
const builtEntries = new WeakMap<Snapshot, WeakMap<LdapProviderConfig, LdapEntry[]>>();

function entriesOf(provider: LdapProviderConfig, snapshot: Snapshot): LdapEntry[] {
  let perProvider = builtEntries.get(snapshot);
  if (!perProvider) builtEntries.set(snapshot, (perProvider = new WeakMap()));
  let entries = perProvider.get(provider);
  if (!entries) perProvider.set(provider, (entries = directoryEntries(provider, snapshot.users, snapshot.groups)));
  return entries;
}

/** Writes search result entries with our encoder (ber.ts), batched into few socket writes. */
function sendEntries(res: Res, entries: LdapEntry[]): void {
  const socket = res.connection;
  socket.cork();
  try {
    for (const entry of entries) {
      socket.write(encodeSearchEntry(res.messageId, entry.dn, entry.attributes));
      res.sentEntries++;
    }
  } finally {
    socket.uncork();
  }
}

export function createLdapServer(deps: LdapServerDeps, tls?: { certificate: string; key: string }): ldap.Server {
  const server = ldap.createServer(tls ?? {});
  const states = new WeakMap<Conn, ConnState>();
  const stateOf = (conn: Conn): ConnState => {
    let state = states.get(conn);
    if (!state) {
      state = { identity: null, pagings: new Map() };
      states.set(conn, state);
    }
    return state;
  };
  // Async handlers: a rejection becomes an LDAP error instead of an unhandled rejection.
  const safe = (fn: Handler) => (req: Req, res: Res, next: Next) => {
    Promise.resolve(fn(req, res, next)).catch((err: Error) => {
      deps.log.error("ldap handler failed", { error: err.message });
      next(new ldap.OperationsError("internal error"));
    });
  };
  // Malformed BER or invalid requests: ldapjs answers protocolError and closes that connection;
  // without a listener the 'error' event would end the process.
  server.on("error", (err: Error) => deps.log.warn("ldap protocol error", { error: err.message }));
  const on = server as unknown as Record<string, (dn: string, ...h: unknown[]) => void>;

  on.bind!("", safe(async (req, res, next) => {
    const state = stateOf(req.connection);
    state.identity = null;
    state.pagings.clear();
    const dn = req.dn.toString();
    const password = req.credentials ?? "";
    if (dn === "" && password === "") return res.end(); // anonymous
    const provider = providerFor(deps.providers(), dn);
    if (!provider || password === "") return next(new ldap.InvalidCredentialsError("Invalid credentials"));
    const started = Date.now();
    const result = await deps.binder.bind(provider, dn, password, req.connection.remoteAddress);
    deps.log.info("bind", { dn, provider: provider.name, ok: result.ok, cached: result.ok && result.cached, ms: Date.now() - started, client: req.connection.remoteAddress });
    if (result.ok) {
      state.identity = result.identity;
      return res.end();
    }
    if (result.code === "insufficient_access") return next(new ldap.InsufficientAccessRightsError(result.message));
    if (result.code === "unavailable") return next(new ldap.UnavailableError(result.message));
    return next(new ldap.InvalidCredentialsError(result.message));
  }));

  on.search!("", safe(async (req, res, next) => {
    const started = performance.now();
    const state = stateOf(req.connection);
    const base = req.dn.toString();
    const providers = deps.providers();
    const requested = req.attributes.slice();
    // We select attributes ourselves (keeping their spelling); ldapjs would drop mixed-case names.
    res.attributes = ["*"];
    if (base === "" && req.scopeName === "base") {
      res.send(rootDse(providers), true);
      return res.end();
    }
    const identity = state.identity;
    if (!identity) return next(new ldap.InsufficientAccessRightsError("Anonymous search is not allowed"));
    const provider = identity.provider;
    const paged = req.controls.find((c) => c.type === PAGED_OID);
    const cookie = paged?.value.cookie?.length ? paged.value.cookie.toString("hex") : "";

    let entries: LdapEntry[];
    let status = 0;
    if (cookie) {
      const rest = state.pagings.get(cookie);
      state.pagings.delete(cookie);
      if (!rest) return next(new ldap.UnwillingToPerformError("Unknown paged results cookie"));
      entries = rest;
    } else {
      if (!providerFor([provider], base) || !base.includes("=")) return next(new ldap.NoSuchObjectError(base));
      let snapshot;
      try {
        snapshot = await deps.directory.get(provider.search_mode);
      } catch (err) {
        deps.log.warn("directory unavailable", { error: (err as Error).message });
        return next(new ldap.UnavailableError("Identity provider unreachable"));
      }
      const all = entriesOf(provider, snapshot);
      const own = normDn(identity.dn);
      const visible = identity.canSearch ? () => true : (e: LdapEntry) => normDn(e.dn) === own;
      const outcome = search(all, visible, { base, scope: req.scopeName, filter: req.filter, attributes: requested, sizeLimit: req.sizeLimit });
      if (outcome.status === "no_such_object") return next(new ldap.NoSuchObjectError(base));
      entries = outcome.entries;
      if (outcome.status === "size_limit") status = SIZE_LIMIT_EXCEEDED;
    }

    if (paged && paged.value.size > 0 && entries.length > paged.value.size && status === 0) {
      const nextCookie = randomBytes(12);
      state.pagings.set(nextCookie.toString("hex"), entries.slice(paged.value.size));
      if (state.pagings.size > MAX_OPEN_PAGINGS) state.pagings.delete(state.pagings.keys().next().value!);
      entries = entries.slice(0, paged.value.size);
      res.addControl(new PagedResultsControl({ value: { size: 0, cookie: nextCookie } }));
    } else if (paged) {
      res.addControl(new PagedResultsControl({ value: { size: 0, cookie: Buffer.alloc(0) } }));
    }
    sendEntries(res, entries);
    res.end(status);
    deps.log.debug("search", { base, scope: req.scopeName, entries: entries.length, ms: Math.round(performance.now() - started) });
  }));

  on.exop!(WHOAMI_OID, (req: Req, res: Res) => {
    const identity = states.get(req.connection)?.identity;
    res.responseValue = identity ? `dn:${identity.dn}` : "";
    res.end();
  });

  const unwilling = (_req: Req, _res: Res, next: Next) => next(new ldap.UnwillingToPerformError("The directory is read-only"));
  for (const op of ["add", "modify", "del", "modifyDN", "compare"]) on[op]!("", unwilling);
  return server;
}
