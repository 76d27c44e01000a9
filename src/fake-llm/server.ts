/**
 * The project's own OpenAI-compatible test server: `POST /v1/chat/completions` (tools, streaming)
 * and `GET /v1/models` on plain `node:http`, answers written by the built-in model, per-key and
 * per-group limits counted as a provider would (sliding window, per-second token bucket or fixed
 * window) answered with 429 + `Retry-After`, OpenAI's `x-ratelimit-*` headers (switchable),
 * latency and faults per key.
 * Tests, benchmarks and the local demo run whole conversations through the real `openai` SDK on it.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeLlmState, handle } from './routes.ts';
import type { FakeLlmMutableOptions, FakeLlmOptions, FakeLlmStats } from './types.ts';

export type * from './types.ts';
export { FAULTS, LIMIT_MODELS } from './types.ts';
export { formatResetDuration, maxInWindow } from './limits.ts';
export { parseResetDuration } from '../adapters/rate-limit-headers.ts';
export { FAKE_MODEL } from './routes.ts';

/** A running test server. */
export interface FakeLlmServer {
  /** Base URL for the SDK's `baseURL`, ending in `/v1`. */
  url: string;
  /** Stops listening and drops every connection (hanging requests included). Idempotent. */
  close(): Promise<void>;
  /** Counters and accepted-request logs (a copy). */
  stats(): FakeLlmStats;
  /**
   * Changes keys, groups, latency, window, limit model or headers at run time; the limit state of
   * kept keys survives (a newly chosen limit model starts with fresh counters).
   */
  setOptions(partial: FakeLlmMutableOptions): void;
}

/** Starts the server on `options.host`:`options.port` (127.0.0.1, a free port by default). */
export async function startFakeLlmServer(options: FakeLlmOptions): Promise<FakeLlmServer> {
  const state = new FakeLlmState(options);
  const server = createServer((req, res) => {
    void handle(state, req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(state.opts.port ?? 0, state.opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}/v1`,
    close: () => {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
    stats: () => {
      const snap = state.limiter.snapshot(
        Object.keys(state.opts.keys),
        Object.values(state.opts.keys).flatMap((k) => (k.group === undefined ? [] : [k.group])),
      );
      const { unauthorized, badRequests } = state;
      return { keys: snap.keys, groups: snap.groups, unauthorized, badRequests, acceptedLog: snap.logs };
    },
    setOptions: (partial) => {
      state.opts = { ...state.opts, ...partial };
    },
  };
}
