import type { ConnectorKind } from "@/server/connectors/types";
import type { PrivilegePower } from "@/server/domain/discovery/power";
import type { Recommendation } from "@/server/domain/reports/recommend";

/**
 * One row of a standing-privilege snapshot as stored (`ReportRow.data`): the facts and the judgement, kept
 * compact because a large estate has tens of thousands of rows per snapshot. What can be derived is not
 * stored: the key and the class are columns of ReportRow, the connector's name and kind are in the
 * snapshot's summary, and the reason is written from the facts when a row is read (`hydrateRow`).
 */
export interface StoredStandingRow {
  connectorId: string;
  principal: string;
  privilege: string;
  privilegeKind: string;
  holder?: { id: string; name: string; kind: "HUMAN" | "MACHINE"; disabled: boolean };
  resource?: { id: string; name: string };
  tier: number;
  power: PrivilegePower;
  /** ISO time of the last use seen (usage samples or ingested events); absent when never seen in use. */
  lastUsedAt?: string;
  /** Absent when never seen in use. */
  daysIdle?: number;
  watchedDays: number;
  uses30d: number;
  firstSeenAt: string;
  /** The connector itself logs in as this principal. */
  connectorOwn?: true;
  baseline?: { reason: string; reviewAt: string; declaredBy: string };
  note?: string;
  recommendation: Recommendation;
  risk: number;
  /** Not in the previous snapshot (every row is new in the first one). */
  isNew: boolean;
}

/** A row as the page, the export and the tests read it. */
export interface StandingRowData {
  /** The DiscoveredPrivilege id: stable across snapshots, so it is also the diff key. */
  key: string;
  connectorId: string;
  connector: string;
  connectorKind: ConnectorKind;
  principal: string;
  privilege: string;
  privilegeKind: string;
  holder: { id: string; name: string; kind: "HUMAN" | "MACHINE"; disabled: boolean } | null;
  resource: { id: string; name: string } | null;
  tier: number;
  power: PrivilegePower;
  lastUsedAt: string | null;
  daysIdle: number | null;
  watchedDays: number;
  uses30d: number;
  firstSeenAt: string;
  classification: "STANDING" | "BASELINE";
  baseline: { reason: string; reviewAt: string; declaredBy: string } | null;
  note: string | null;
  recommendation: Recommendation;
  reason: string;
  risk: number;
  isNew: boolean;
}

export interface ConnectorSummary {
  id: string;
  name: string;
  kind: ConnectorKind;
  health: string;
  lastError: string | null;
  lastCheckedAt: string | null;
  /** The last time discovery read this target successfully (its inventory in the report is from then). */
  lastDiscoveredAt: string | null;
  standing: number;
}

/** `ReportSnapshot.summary` of a STANDING_PRIVILEGES snapshot: the headline figures, charts and the diff. */
export interface StandingSummary {
  version: 1;
  builtAt: string;
  trigger: string;
  standing: number;
  baseline: number;
  jit: number;
  byTier: Record<"1" | "2" | "3", number>;
  byRecommendation: Record<Recommendation, number>;
  machineHeld: number;
  unmappedHeld: number;
  previousSnapshotId: string | null;
  newCount: number;
  newTier1Count: number;
  goneCount: number;
  connectors: ConnectorSummary[];
}
