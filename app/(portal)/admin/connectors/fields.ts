/**
 * The connector form's fields per kind. The server validates every value with the connector's own schema
 * (server/connectors) and names the field it refuses; these only say how to ask for them.
 */

export const connectorKindOptions = [
  { value: "POSTGRES", label: "PostgreSQL" },
  { value: "MARIADB", label: "MariaDB / MySQL" },
  { value: "REDIS", label: "Redis" },
  { value: "WEBHOOK", label: "Webhook (your automation)" },
] as const;

export type ConnectorKindValue = (typeof connectorKindOptions)[number]["value"];

export type FieldValue = string | number | boolean | null;

export interface FieldSpec {
  key: string;
  label: string;
  type: "text" | "number" | "select" | "checkbox" | "password" | "url";
  /** select: the stored value for each option. */
  options?: { value: FieldValue; label: string }[];
  placeholder?: string;
  hint?: string;
  required?: boolean;
  defaultValue?: FieldValue;
}

const host: FieldSpec = { key: "host", label: "Host", type: "text", required: true, placeholder: "db.internal.example.com", hint: "Host name or IP address Keycard connects to." };
const publicHost: FieldSpec = { key: "publicHost", label: "Public host", type: "text", hint: "Optional: the name people use, shown in issued credentials." };
const publicPort: FieldSpec = { key: "publicPort", label: "Public port", type: "number", hint: "Optional." };
const poolSize: FieldSpec = { key: "poolSize", label: "Connections", type: "number", defaultValue: 4, hint: "How many calls Keycard makes to this target at once (1–20)." };
const password: FieldSpec = { key: "password", label: "Password", type: "password" };

export const settingsFields: Record<ConnectorKindValue, FieldSpec[]> = {
  POSTGRES: [
    host,
    { key: "port", label: "Port", type: "number", defaultValue: 5432 },
    { key: "database", label: "Database", type: "text", required: true, placeholder: "postgres", hint: "Where Keycard connects (roles are cluster-wide)." },
    { key: "user", label: "Connector login", type: "text", required: true, placeholder: "keycard", hint: "SUPERUSER, or CREATEROLE plus pg_signal_backend (to end sessions)." },
    {
      key: "ssl",
      label: "TLS",
      type: "select",
      defaultValue: false,
      options: [
        { value: false, label: "Off" },
        { value: true, label: "On, verify the certificate" },
        { value: "no-verify", label: "On, do not verify" },
      ],
    },
    publicHost,
    publicPort,
    poolSize,
  ],
  MARIADB: [
    host,
    { key: "port", label: "Port", type: "number", defaultValue: 3306 },
    { key: "user", label: "Connector user", type: "text", required: true, placeholder: "keycard", hint: "Needs CREATE USER, GRANT OPTION on what it hands out, SELECT on mysql.* and CONNECTION ADMIN." },
    { key: "database", label: "Database", type: "text", hint: "Optional." },
    {
      key: "ssl",
      label: "TLS",
      type: "select",
      defaultValue: false,
      options: [
        { value: false, label: "Off" },
        { value: true, label: "On, verify the certificate" },
        { value: "no-verify", label: "On, do not verify" },
      ],
    },
    { key: "userHost", label: "Host of created users", type: "text", defaultValue: "%", hint: "The host part of the users Keycard creates ('%' = any)." },
    publicHost,
    publicPort,
    poolSize,
  ],
  REDIS: [
    host,
    { key: "port", label: "Port", type: "number", defaultValue: 6379 },
    { key: "username", label: "ACL user", type: "text", defaultValue: "default", hint: "Needs +acl, +client|kill, +client|list." },
    { key: "tls", label: "TLS", type: "checkbox", defaultValue: false },
    publicHost,
    publicPort,
  ],
  WEBHOOK: [
    { key: "url", label: "URL", type: "url", required: true, placeholder: "https://automation.example.com/keycard", hint: "Keycard POSTs signed JSON here; no credentials in the URL." },
    { key: "timeoutMs", label: "Timeout (ms)", type: "number", defaultValue: 10_000 },
  ],
};

export const secretFields: Record<ConnectorKindValue, FieldSpec[]> = {
  POSTGRES: [password],
  MARIADB: [password],
  REDIS: [password],
  WEBHOOK: [{ key: "signingSecret", label: "Signing secret", type: "password", hint: "At least 16 characters; your automation verifies X-Keycard-Signature with it." }],
};

/** Where a connector points, in one line, from its stored (non-secret) settings. */
export function describeTarget(kind: string, settings: unknown): string {
  const s = (settings ?? {}) as Record<string, unknown>;
  if (kind === "WEBHOOK") return String(s.url ?? "—");
  const where = `${String(s.host ?? "?")}:${String(s.port ?? "?")}`;
  if (kind === "POSTGRES") return `${where}/${String(s.database ?? "")} as ${String(s.user ?? "?")}`;
  if (kind === "MARIADB") return `${where}${s.database ? `/${String(s.database)}` : ""} as ${String(s.user ?? "?")}`;
  return `${where} as ${String(s.username ?? "default")}`;
}
