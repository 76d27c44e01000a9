import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { ClientError } from '../errors.ts';

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Throws 401 unless the request carries `Authorization: Bearer <token>`. Constant-time compare. */
export function requireAdmin(request: FastifyRequest, token: string): void {
  const header = request.headers.authorization ?? '';
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1] || !timingSafeEqual(digest(match[1].trim()), digest(token))) {
    throw new ClientError(
      'unauthorized',
      'Missing or wrong admin token. Send "Authorization: Bearer $LEADBOT_ADMIN_TOKEN".',
      { status: 401 },
    );
  }
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
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'admin-token');
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token) return { token, file, generated: false };
  }
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, token + '\n', { mode: 0o600 });
  return { token, file, generated: true };
}
