/**
 * Generic table access for the admin API (`/api/v3/…`): paginated lists with search, ordering and
 * filters, and single-row create/update/delete, over a fixed set of tables. Rows are plain objects
 * keyed by the domain's camelCase field names (the same names the table definitions use); the API
 * layer maps them to authentik's serializers. Typed repositories stay the door for everything the
 * runtime does (flows, OAuth2, …); this port only serves administration.
 */

/** Tables the admin API reads and writes. */
export type AdminTable =
  | "users"
  | "groups"
  | "groupParents"
  | "groupMemberships"
  | "applications"
  | "providers"
  | "tokens"
  | "tokenKeys"
  | "authenticatedSessions"
  | "brands"
  | "flows"
  | "stages"
  | "flowStageBindings"
  | "policies"
  | "policyBindings"
  | "policyBindingModels"
  | "events"
  | "notifications"
  | "notificationRules"
  | "notificationRuleTransports"
  | "notificationTransports"
  | "outposts"
  | "outpostProviders"
  | "certificateKeyPairs"
  | "totpDevices"
  | "staticDevices"
  | "webauthnDevices"
  | "emailDevices";

/** A row: column name (camelCase) → value. */
export type AdminRow = Record<string, unknown>;

/**
 * One condition on a column. `column` may be `json.key` to compare a top-level key of a jsonb
 * column as text (events' `user.username`).
 */
export type AdminCondition =
  | { column: string; op: "eq" | "ne" | "gte" | "lte"; value: string | number | boolean | Date }
  | { column: string; op: "in"; value: ReadonlyArray<string | number> }
  | { column: string; op: "isNull" | "notNull" };

export interface AdminListQuery {
  /** 1-based page. */
  page: number;
  pageSize: number;
  /** Case-insensitive substring match on any of `columns`. */
  search?: { term: string; columns: string[] };
  /** Applied in order; the primary key is always appended as the final tie-breaker. */
  ordering?: { column: string; desc: boolean }[];
  where?: AdminCondition[];
}

export interface AdminPage {
  rows: AdminRow[];
  count: number;
}

/** Count of rows per day (UTC) and value of `groupColumn` (the dashboard's event chart). */
export interface AdminHistogramBucket {
  day: Date;
  key: string;
  count: number;
}

export interface AdminRepository {
  list(table: AdminTable, query: AdminListQuery): Promise<AdminPage>;
  /** Every row matching `where` (at most `limit`, default 10,000), primary-key order. */
  all(table: AdminTable, where: AdminCondition[], limit?: number): Promise<AdminRow[]>;
  /** The row whose primary key (or, with `column`, that unique column) equals `value`. Malformed keys find nothing. */
  get(table: AdminTable, value: string | number, column?: string): Promise<AdminRow | null>;
  /**
   * Inserts one row. Tables that are policy binding models (flows, applications, stage bindings,
   * notification rules) get their `policy_binding_models` row in the same transaction.
   * Constraint violations become `ConflictError` / `NotFoundError`.
   */
  insert(table: AdminTable, values: AdminRow): Promise<AdminRow>;
  /** Updates one row by primary key; null when it does not exist. */
  update(table: AdminTable, pk: string | number, values: AdminRow): Promise<AdminRow | null>;
  /** Deletes one row by primary key (policy binding models through their pbm row); false when absent. */
  delete(table: AdminTable, pk: string | number): Promise<boolean>;
  /** Deletes every row matching `where` (at least one condition); returns how many. */
  deleteWhere(table: AdminTable, where: AdminCondition[]): Promise<number>;
  /**
   * Replaces a many-to-many set: the rows of `table` whose `ownerColumn` is `ownerPk` end up being
   * exactly one per value of `otherPks` in `otherColumn`.
   */
  setLinks(table: AdminTable, ownerColumn: string, ownerPk: string | number, otherColumn: string, otherPks: ReadonlyArray<string | number>): Promise<void>;
  count(table: AdminTable, where?: AdminCondition[]): Promise<number>;
  /** Rows per UTC day and `groupColumn` value with `dateColumn` ≥ `since`. */
  histogram(table: AdminTable, dateColumn: string, groupColumn: string, since: Date, where?: AdminCondition[]): Promise<AdminHistogramBucket[]>;
}
