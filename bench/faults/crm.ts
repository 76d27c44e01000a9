import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the fake CRM answers: like a real one, a failing one (500), or one that hangs (no answer). */
export type CrmMode = 'ok' | 'fail' | 'hang';

/**
 * A CRM webhook receiver for the fault runs. It records every request by its `Idempotency-Key` and
 * counts a key as delivered only when it answered 2xx, as a CRM that deduplicates on the key
 * would: a key answered 2xx twice is a duplicate delivery.
 */
export class FakeCrm {
  mode: CrmMode = 'ok';
  /** 2xx answers per idempotency key. */
  readonly accepted = new Map<string, number>();
  /** Requests seen (any answer), for the outage figures. */
  requests = 0;
  /** When the last key was first accepted (ms since epoch). */
  lastAcceptedAt = 0;
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/crm`;
  }

  /** Keys of one kind (`crm.lead`, `support.ticket`) accepted at least once. */
  delivered(kind?: string): string[] {
    return [...this.accepted.keys()].filter((k) => !kind || k.startsWith(`${kind}:`));
  }

  duplicates(): string[] {
    return [...this.accepted].filter(([, n]) => n > 1).map(([k]) => k);
  }

  /** Back to answering: hanging requests are dropped (their senders time out and retry). */
  setMode(mode: CrmMode): void {
    this.mode = mode;
    if (mode !== 'hang') for (const res of this.hanging) res.destroy();
    if (mode !== 'hang') this.hanging.clear();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.requests++;
      const key = String(req.headers['idempotency-key'] ?? '');
      if (this.mode === 'hang') {
        this.hanging.add(res);
        return;
      }
      if (this.mode === 'fail' || !key) {
        res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"crm down"}');
        return;
      }
      if (!this.accepted.has(key)) this.lastAcceptedAt = Date.now();
      this.accepted.set(key, (this.accepted.get(key) ?? 0) + 1);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
