/**
 * The demo organisation: Northwind Labs, a payments company of a few dozen people. Names are fictional.
 */
import { tierDefaultRules } from "@/server/domain/policies/defaults";
import type { Role } from "@/server/generated/prisma/enums";

export interface SeedPerson {
  name: string;
  email: string;
  title: string;
  team: string;
  roles: Role[];
  approverGroups?: string[];
  lead?: boolean;
}

const R: Role = "REQUESTER";
const AP: Role = "APPROVER";
const AU: Role = "AUDITOR";
const AD: Role = "ADMIN";

export const seedTeams = [
  { slug: "platform", name: "Platform", description: "Infrastructure, databases and the deploy pipeline" },
  { slug: "payments", name: "Payments", description: "Card processing and settlement" },
  { slug: "data", name: "Data", description: "Analytics and the warehouse" },
  { slug: "security", name: "Security", description: "Security engineering and incident response" },
  { slug: "support", name: "Customer Support", description: "Tier-2 support and operations" },
  { slug: "compliance", name: "Compliance", description: "Audit and risk" },
] as const;

export const seedApproverGroups = [
  { slug: "platform-approvers", name: "Platform approvers", description: "Approve access to platform-owned systems" },
  { slug: "payments-owners", name: "Payments owners", description: "Resource owners for payment systems" },
  { slug: "data-approvers", name: "Data approvers", description: "Approve warehouse access" },
  { slug: "security-oncall", name: "Security on-call", description: "Fallback approvers and break-glass reviewers" },
] as const;

const domain = "northwind.example";
const person = (name: string, title: string, team: string, roles: Role[], extra: Partial<SeedPerson> = {}): SeedPerson => ({
  name,
  email: `${name.toLowerCase().split(" ")[0]}.${name.toLowerCase().split(" ").slice(1).join("-")}@${domain}`,
  title,
  team,
  roles,
  ...extra,
});

export const seedPeople: SeedPerson[] = [
  // The personas the sign-in page features (more than one role each).
  person("Priya Raman", "Security engineering lead", "security", [R, AP, AD], { approverGroups: ["security-oncall"], lead: true }),
  person("Jonas Weber", "Compliance auditor", "compliance", [R, AU]),
  person("Sam Okafor", "Platform lead", "platform", [R, AP], { approverGroups: ["platform-approvers"], lead: true }),
  person("Elena Petrova", "Payments engineering manager", "payments", [R, AP], { approverGroups: ["payments-owners"], lead: true }),
  person("Marcus Lee", "Staff data engineer", "data", [R, AP], { approverGroups: ["data-approvers"], lead: true }),
  person("Aisha Bello", "Site reliability engineer", "platform", [R, AP], { approverGroups: ["platform-approvers"] }),
  person("Tomás García", "Security engineer", "security", [R, AP, AD], { approverGroups: ["security-oncall"] }),
  person("Hannah Schmidt", "Head of risk", "compliance", [R, AU, AP]),
  // Everyone else requests access.
  person("Maya Chen", "Backend engineer", "payments", [R]),
  person("Noah Williams", "Backend engineer", "payments", [R]),
  person("Olivia Brown", "Frontend engineer", "payments", [R]),
  person("Lucas Martin", "Site reliability engineer", "platform", [R]),
  person("Zoe Kim", "Platform engineer", "platform", [R]),
  person("Ethan Davis", "Platform engineer", "platform", [R]),
  person("Fatima Khan", "Data analyst", "data", [R]),
  person("Leo Rossi", "Analytics engineer", "data", [R]),
  person("Grace Nakamura", "Data scientist", "data", [R]),
  person("Daniel Cohen", "Support engineer", "support", [R]),
  person("Sofia Alvarez", "Support engineer", "support", [R]),
  person("Ibrahim Yusuf", "Support lead", "support", [R, AP], { lead: true }),
  person("Chloe Dubois", "Security analyst", "security", [R]),
  person("Ravi Patel", "Payments engineer", "payments", [R]),
  person("Mia Johansson", "Payments engineer", "payments", [R, AP], { approverGroups: ["payments-owners"] }),
  person("Oliver Smith", "Data engineer", "data", [R, AP], { approverGroups: ["data-approvers"] }),
  person("Amelia Clarke", "Engineering intern", "platform", [R]),
  person("Kenji Watanabe", "Database administrator", "platform", [R, AP], { approverGroups: ["platform-approvers", "payments-owners"] }),
  person("Nora Haddad", "Compliance analyst", "compliance", [R, AU]),
  person("Victor Novak", "Support engineer", "support", [R]),
  person("Julia Santos", "Product manager", "payments", [R]),
  person("Samuel Adeyemi", "Staff engineer", "platform", [R]),
];

/** Machine identities, each owned by a person. */
export const seedMachines = [
  { name: "deploy-pipeline", title: "CI/CD pipeline (production deploys)", owner: "Sam Okafor" },
  { name: "nightly-etl", title: "Nightly warehouse load", owner: "Marcus Lee" },
  { name: "settlement-batch", title: "Daily settlement batch job", owner: "Elena Petrova" },
] as const;

/** Who is on call: a weekly platform rotation and a security rotation around today. */
export const seedOnCall = [
  { team: "platform", rotation: ["Aisha Bello", "Lucas Martin", "Zoe Kim", "Ethan Davis"] },
  { team: "security", rotation: ["Tomás García", "Chloe Dubois", "Priya Raman"] },
] as const;

export interface SeedResource {
  slug: string;
  name: string;
  description: string;
  tier: 1 | 2 | 3;
  tags: string[];
  environment: string;
  connector: string;
  target: Record<string, string>;
  ownerGroup: string;
  fallbackGroup: string;
  levels: { key: string; name: string; mode: "ROLE_ELEVATION" | "EPHEMERAL_CREDENTIAL"; privilege: Record<string, unknown>; riskWeight: number }[];
}

export const seedResources: SeedResource[] = [
  {
    slug: "orders-db-prod",
    name: "Orders database (production)",
    description: "Customer orders. Writes change what customers are charged.",
    tier: 1,
    tags: ["orders", "postgres", "production", "pii"],
    environment: "production",
    connector: "demo-postgres",
    target: { database: "postgres" },
    ownerGroup: "payments-owners",
    fallbackGroup: "security-oncall",
    levels: [
      { key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "orders_read" }, riskWeight: 10 },
      { key: "write", name: "Write", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "orders_write" }, riskWeight: 35 },
    ],
  },
  {
    slug: "payments-db-prod",
    name: "Payments ledger (production)",
    description: "Card payments and settlement state. Admin access is for incident response.",
    tier: 1,
    tags: ["payments", "postgres", "production", "pci"],
    environment: "production",
    connector: "demo-postgres",
    target: { database: "postgres" },
    ownerGroup: "payments-owners",
    fallbackGroup: "security-oncall",
    levels: [
      { key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "orders_read" }, riskWeight: 15 },
      { key: "admin", name: "Admin", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "payments_admin" }, riskWeight: 50 },
    ],
  },
  {
    slug: "analytics-warehouse",
    name: "Analytics warehouse",
    description: "Product analytics events, no personal data.",
    tier: 3,
    tags: ["analytics", "postgres", "data"],
    environment: "production",
    connector: "demo-postgres",
    target: { database: "postgres" },
    ownerGroup: "data-approvers",
    fallbackGroup: "platform-approvers",
    levels: [{ key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "analytics_read" }, riskWeight: 0 }],
  },
  {
    slug: "orders-db-staging",
    name: "Orders database (staging)",
    description: "Staging copy with synthetic data.",
    tier: 3,
    tags: ["orders", "postgres", "staging"],
    environment: "staging",
    connector: "demo-postgres",
    target: { database: "postgres" },
    ownerGroup: "platform-approvers",
    fallbackGroup: "platform-approvers",
    levels: [
      { key: "read", name: "Read", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "orders_read" }, riskWeight: 0 },
      { key: "write", name: "Write", mode: "EPHEMERAL_CREDENTIAL", privilege: { role: "orders_write" }, riskWeight: 5 },
    ],
  },
  {
    slug: "support-admin-console",
    name: "Support admin console",
    description: "Refunds and account changes, through the customer's own automation (webhook).",
    tier: 2,
    tags: ["support", "webhook", "refunds"],
    environment: "production",
    connector: "support-automation",
    target: { group: "support-admins" },
    ownerGroup: "platform-approvers",
    fallbackGroup: "security-oncall",
    levels: [{ key: "admin", name: "Admin", mode: "ROLE_ELEVATION", privilege: { group: "support-admins" }, riskWeight: 20 }],
  },
];

/** Default policy per tier: the rules every new installation starts with (docs/policies.md). */
export const seedTierPolicies = [
  { tier: 1, name: "Tier 1 default: two owners and a ticket", rules: tierDefaultRules[1] },
  { tier: 2, name: "Tier 2 default: one owner", rules: tierDefaultRules[2] },
  { tier: 3, name: "Tier 3 default: automatic (first write reviewed)", rules: tierDefaultRules[3] },
] as const;
