import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { TenantConfig } from '../config/tenant.ts';
import { ClientError } from '../errors.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The bearer token of a request, if any. */
function bearerOf(request: FastifyRequest): string | undefined {
  return /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim() || undefined;
}

/**
 * The tenant a token administers: `null` for the admin token (every tenant), the tenant id for a
 * tenant admin token (`admin.tokenSha256` in its tenant.json), `undefined` for any other token.
 * Constant-time compares.
 */
export function adminTenantOf(
  token: string,
  adminToken: string,
  tenants: ReadonlyMap<string, TenantConfig>,
): string | null | undefined {
  const given = digest(token);
  if (timingSafeEqual(given, digest(adminToken))) return null;
  let found: string | undefined;
  for (const tenant of tenants.values())
    for (const hex of tenant.admin?.tokenSha256 ?? [])
      if (timingSafeEqual(given, Buffer.from(hex, 'hex'))) found ??= tenant.id;
  return found;
}

/**
 * The scope of an admin API call: `null` (all tenants) for the admin token, a tenant id for a tenant
 * admin token; 401 for anything else.
 */
export function requireAdminScope(
  request: FastifyRequest,
  adminToken: string,
  tenants: ReadonlyMap<string, TenantConfig>,
): string | null {
  const token = bearerOf(request);
  const scope = token === undefined ? undefined : adminTenantOf(token, adminToken, tenants);
  if (scope === undefined)
    throw new ClientError(
      'unauthorized',
      'Missing or wrong admin token. Send "Authorization: Bearer $LEADBOT_ADMIN_TOKEN" (or a tenant admin token).',
      { status: 401 },
    );
  return scope;
}

/**
 * The tenant an admin API call reads: its token's tenant for a tenant admin token (another one in
 * `?tenant=` is a 403), else the `?tenant=` filter (an unknown tenant is a 404) or all.
 */
export function tenantScope(
  request: FastifyRequest,
  adminToken: string,
  tenants: ReadonlyMap<string, TenantConfig>,
): string | undefined {
  const scope = requireAdminScope(request, adminToken, tenants);
  const query = request.query as Record<string, unknown>;
  const tenantId = typeof query.tenant === 'string' ? query.tenant : undefined;
  if (scope !== null) {
    if (tenantId !== undefined && tenantId !== scope)
      throw new ClientError('forbidden', `This token administers tenant '${scope}' only.`, { status: 403 });
    return scope;
  }
  if (tenantId !== undefined && !tenants.has(tenantId))
    throw new ClientError('unknown_tenant', `Unknown tenant '${tenantId.slice(0, 64)}'.`, { status: 404 });
  return tenantId;
}

/**
 * `/metrics` when `LEADBOT_METRICS_TOKEN` is set: that token or the admin token (401 otherwise).
 * Unset, metrics stay open, as Prometheus scrapers usually expect; they carry no personal data.
 */
export function requireMetricsAccess(
  request: FastifyRequest,
  metricsToken: string | undefined,
  adminToken: string,
): void {
  if (!metricsToken) return;
  const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
  const given = match?.[1] ? digest(match[1].trim()) : undefined;
  if (given && (timingSafeEqual(given, digest(metricsToken)) || timingSafeEqual(given, digest(adminToken))))
    return;
  throw new ClientError('unauthorized', 'Send "Authorization: Bearer $LEADBOT_METRICS_TOKEN" for metrics.', {
    status: 401,
  });
}

/**
 * The admin token: `LEADBOT_ADMIN_TOKEN` when set; otherwise one generated on first start and kept
 * in `<dataDir>/admin-token` (mode 600), so a fresh install is never open.
 */
export function resolveAdminToken(
  configured: string | undefined,
  dataDir: string,
): { token: string; file?: string; generated: boolean } {
  if (configured) return { token: configured, generated: false };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, file, generated: false };
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, file, generated: true };
}
