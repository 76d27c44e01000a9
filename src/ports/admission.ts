/** Why the node refused a message at the door. */
export type SaturationReason = 'event_loop' | 'cpu_backlog' | 'heap' | 'tenant_share' | 'disk_full';

export type AdmissionVerdict = { ok: true } | { ok: false; reason: SaturationReason; retryAfterS: number };

/**
 * Admission of new messages by measured resources: a node takes every message it can answer in
 * time, and says early and honestly when it cannot.
 */
export interface Admission {
  /**
   * Counts one arriving message of `tenantId` and says whether the node takes it now; a taken one
   * is in flight under `key` until `done(key)`.
   */
  check(tenantId: string, now: number, key?: string): AdmissionVerdict;
  /** The message admitted under `key` is no longer in flight: its turn completed (or it was not queued). */
  done(key: string, completed?: boolean): void;
}
