/**
 * Per-source limits at the edge, before any conversation exists: one client (an address, or the
 * proxy's `X-Forwarded-For` with `server.trustProxy`) may send so many REST messages and open so many
 * web chat sessions a minute. A flood of made-up senders from one place is refused there (REST 429
 * with `Retry-After`, the widget a friendly "try again shortly"), so prospects elsewhere, on the same
 * tenant or not, are not answered "we are receiving many messages". Counting is `@fastify/rate-limit`'s
 * (an LRU of sources, one minute windows).
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ClientError } from '../errors.ts';

/** Sources remembered at once (least recently seen are forgotten first). */
const SOURCES = 50_000;
const MINUTE = 60_000;

/** Loopback addresses (IPv4, IPv6, IPv4-mapped). */
const LOOPBACK = /^(?:127\.|::1$|::ffff:127\.)/u;

/**
 * Whether a source is spared: loopback when `exemptLoopback` (a load test or a local tool on the
 * host; a reverse proxy on the host needs `server.trustProxy` so its clients are told apart).
 */
function spared(exemptLoopback: boolean) {
  return (_request: FastifyRequest, key: string) => exemptLoopback && LOOPBACK.test(key);
}

/** Registers the limiter plugin (no route is limited until it asks, see `sourceLimitConfig`). */
export async function registerSourceLimits(app: FastifyInstance, exemptLoopback: boolean): Promise<void> {
  await app.register(rateLimit, {
    global: false,
    allowList: spared(exemptLoopback),
    cache: SOURCES,
    timeWindow: MINUTE,
    errorResponseBuilder: (_request, context) =>
      new ClientError(
        'rate_limited',
        `Too many requests from this source: at most ${context.max} a minute. Retry after ${context.after}.`,
        { status: 429 },
      ),
  });
}

/** Route config limiting a route to `perMinute` requests per source (`0`: unlimited). */
export function sourceLimitConfig(perMinute: number): {
  config?: { rateLimit: { max: number; timeWindow: number } };
} {
  return perMinute > 0 ? { config: { rateLimit: { max: perMinute, timeWindow: MINUTE } } } : {};
}

/**
 * A check for things that are not plain requests (a WebSocket session): counts one for the
 * request's source and says how long to wait when it is over `perMinute` (undefined: go on).
 */
export function sourceCounter(
  app: FastifyInstance,
  perMinute: number,
  exemptLoopback: boolean,
): (request: FastifyRequest) => Promise<{ retryAfterS: number } | undefined> {
  if (perMinute <= 0) return () => Promise.resolve(undefined);
  const check = app.createRateLimit({
    max: perMinute,
    timeWindow: MINUTE,
    allowList: spared(exemptLoopback),
  });
  return async (request) => {
    const result = await check(request);
    return result.isAllowed || !result.isExceeded ? undefined : { retryAfterS: result.ttlInSeconds };
  };
}
