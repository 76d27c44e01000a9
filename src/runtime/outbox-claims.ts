import { errorMessage } from '../errors.ts';
import type { ClaimCheck, DeliveryClaims } from '../ports/delivery-claims.ts';
import type { OutboxEntry } from '../ports/outbox.ts';

interface ClaimLog {
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
}

/**
 * Whether this node should push `entry` (cluster mode: another node may have delivered it, or hold
 * it now). Never throws: when the shared record cannot be read the entry is sent (the CRM
 * deduplicates on the idempotency key), so a NATS outage never holds leads back.
 */
export async function claimCheck(
  claims: DeliveryClaims | undefined,
  entry: OutboxEntry,
  log: ClaimLog,
): Promise<ClaimCheck> {
  if (!claims) return 'send';
  try {
    const check = await claims.check(entry);
    if (check !== 'send')
      log.info(
        { outboxId: entry.id, kind: entry.kind, check },
        check === 'delivered'
          ? 'outbox entry already delivered by another node; not sent again'
          : 'outbox entry is held by another node now; it delivers it',
      );
    return check;
  } catch (error) {
    log.warn({ outboxId: entry.id, err: errorMessage(error) }, 'shared delivery record unreadable; sending');
    return 'send';
  }
}

/** Records a delivery for the other nodes; a failure is logged (the CRM still deduplicates). */
export async function recordDelivered(
  claims: DeliveryClaims | undefined,
  entry: OutboxEntry,
  log: ClaimLog,
): Promise<void> {
  try {
    await claims?.delivered(entry);
  } catch (error) {
    log.warn({ outboxId: entry.id, err: errorMessage(error) }, 'shared delivery record not written');
  }
}
