/**
 * What survives a KeyPool restart. The actor (`key-pool-actor.ts`) snapshots every key as plain
 * data on each tick and journals pins and open leases as they change; a restarted pool takes the
 * keys' rates, pacing and health back from the snapshot, and the pins and open leases from the
 * journal, so no conversation loses its key and no key's budget is spent twice.
 */
import type { LimitSource } from './budget.ts';
import type { KeyState } from './key-state.ts';

/** One key as plain data (no secret). */
export interface KeyRecord {
  id: string;
  rpm: number | null;
  tpm: number | null;
  source: LimitSource;
  /** Pacers' theoretical arrival times (null: idle). */
  requestTat: number | null;
  tokenTat: number | null;
  coolingUntil: number;
  openUntil: number;
  failures: number;
  rateLimitedTotal: number;
  limitHeaders: boolean;
}

/** An open lease in the journal: enough to hand the same key back after a restart. */
export interface LeaseRecord {
  conversationId: string;
  keyId: string;
  tokens: number;
}

const finite = (x: number | undefined): number | null => (x !== undefined && Number.isFinite(x) ? x : null);

export function keyRecord(key: KeyState): KeyRecord {
  const { budget } = key;
  return {
    id: key.id,
    rpm: finite(budget.rpm),
    tpm: finite(budget.tpm),
    source: budget.source,
    requestTat: finite(budget.requestPacer?.tatMs),
    tokenTat: finite(budget.tokenPacer?.tatMs),
    coolingUntil: key.coolingUntil,
    openUntil: key.openUntil,
    failures: key.failures,
    rateLimitedTotal: key.rateLimitedTotal,
    limitHeaders: key.limitHeaders,
  };
}

/** Puts a snapshot back on a fresh key: learned rates, what its pacers owe, its health. */
export function applyKeyRecord(key: KeyState, record: KeyRecord): void {
  const rates: { rpm?: number; tpm?: number } = {};
  if (record.rpm !== null) rates.rpm = record.rpm;
  if (record.tpm !== null) rates.tpm = record.tpm;
  if (record.source !== 'config') key.budget.setRates(rates, record.source);
  if (record.requestTat !== null) key.budget.requestPacer?.resume(record.requestTat);
  if (record.tokenTat !== null) key.budget.tokenPacer?.resume(record.tokenTat);
  key.coolingUntil = Math.max(key.coolingUntil, record.coolingUntil);
  key.openUntil = Math.max(key.openUntil, record.openUntil);
  key.failures = record.failures;
  key.rateLimitedTotal = record.rateLimitedTotal;
  key.limitHeaders = record.limitHeaders;
}
