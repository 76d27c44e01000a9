/**
 * Who may call `POST /webhooks/rest`. With `LEADBOT_REST_TOKEN`, or a tenant's REST tokens
 * (`rest.tokenSha256` in tenant.json: SHA-256 hex of each token, never the token itself), a call
 * needs `Authorization: Bearer <token>`. A tenant with no token is open only while the server listens
 * on a loopback address (the embedded default, local demos), or when it sets `rest.open: true`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import type { TenantConfig } from '../config/tenant.ts';
import { ClientError, ConfigError } from '../errors.ts';

export interface RestAuthOptions {
  /** `LEADBOT_REST_TOKEN`: accepted for every tenant. */
  token?: string;
  /** The server listens on a loopback address. */
  loopback: boolean;
}

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

/** The interface is reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  return /^(localhost|127\.\d+\.\d+\.\d+|::1|\[::1\])$/i.test(host.trim());
}

function tokensOf(tenant: TenantConfig, options: RestAuthOptions): Buffer[] {
  const hashes = (tenant.rest?.tokenSha256 ?? []).map((hex) => Buffer.from(hex, 'hex'));
  return options.token ? [sha256(options.token), ...hashes] : hashes;
}

/** Throws a 401 `ClientError` unless the request may talk to `tenant` over REST. */
export function authorizeRest(request: FastifyRequest, tenant: TenantConfig, options: RestAuthOptions): void {
  const tokens = tokensOf(tenant, options);
  const header = request.headers.authorization;
  const bearer = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (bearer !== undefined) {
    const given = sha256(bearer);
    if (tokens.some((t) => t.length === given.length && timingSafeEqual(t, given))) return;
    throw new ClientError('unauthorized', 'Wrong REST token.', { status: 401 });
  }
  if (tokens.length === 0 && (options.loopback || tenant.rest?.open === true)) return;
  throw new ClientError(
    'unauthorized',
    tokens.length > 0
      ? 'This REST channel needs Authorization: Bearer <token>.'
      : 'REST without a token is open only on a loopback address: set LEADBOT_REST_TOKEN (or the tenant’s rest.tokenSha256).',
    { status: 401 },
  );
}

/**
 * At start: on an address other than loopback, or behind a reverse proxy (which puts a loopback
 * server on the network), every tenant needs a REST token (or `rest.open`), so a server put on the
 * network never takes anonymous REST calls by accident.
 */
export function checkRestExposure(
  tenants: ReadonlyMap<string, TenantConfig>,
  host: string,
  options: Pick<RestAuthOptions, 'token'> & { behindProxy?: boolean },
): void {
  if ((isLoopbackHost(host) && !options.behindProxy) || options.token) return;
  const open = [...tenants.values()].filter((t) => !t.rest?.tokenSha256?.length && t.rest?.open !== true);
  if (open.length === 0) return;
  const where = options.behindProxy ? `behind a reverse proxy (server.trustProxy)` : `on ${host}`;
  throw new ConfigError(
    `The server listens ${where}, and the REST channel of ${open.map((t) => t.id).join(', ')} has no token: set LEADBOT_REST_TOKEN (or a tenant's rest.tokenSha256), set rest.open: true in tenant.json to accept anonymous REST on purpose, or leave rest out of LEADBOT_CHANNELS.`,
  );
}
