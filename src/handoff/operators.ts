import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { OperatorToken } from '../config/handoff.ts';
import type { TenantConfig } from '../config/tenant.ts';
import { ClientError } from '../errors.ts';
import { adminTenantOf } from '../http/auth.ts';

/** Who is acting: from a bearer token or a console session. */
export interface Operator {
  name: string;
  /** Only this tenant's conversations (`null`: all). */
  tenant: string | null;
  admin: boolean;
}

export const SESSION_COOKIE = 'leadbot_console';
export const CSRF_HEADER = 'x-leadbot-csrf';
const SESSION_MS = 12 * 60 * 60 * 1000;

const sha = (s: string) => createHash('sha256').update(s).digest();
const same = (a: string, b: string) => timingSafeEqual(sha(a), sha(b));
/** A session's token fingerprint, from the token's SHA-256 (tenant admin tokens are known only so). */
const fingerprint = (sha256Hex: string) => sha(`fp:${sha256Hex}`).toString('base64url').slice(0, 12);
const hexOf = (token: string) => sha(token).toString('hex');

interface Session {
  n: string;
  t: string | null;
  a: boolean;
  /** Expiry, epoch ms. */
  e: number;
  /** Fingerprint of the token logged in with: removing the token ends its sessions. */
  k: string;
}

/**
 * Operators' authentication: the admin token or a per-operator token (`LEADBOT_OPERATOR_TOKENS`),
 * as a bearer header or as a console session (an httpOnly, SameSite=Strict cookie signed with a key
 * derived from the admin token, so every node of a cluster accepts it; state-changing requests
 * also carry `X-Leadbot-CSRF`, a value only the page that logged in knows).
 */
export class OperatorAuth {
  private readonly key: Buffer;

  constructor(
    private readonly adminToken: string,
    private readonly operators: readonly OperatorToken[],
    private readonly now: () => number = Date.now,
    /** Tenants whose `admin.tokenSha256` tokens act as admin of that tenant only. */
    private readonly tenants: ReadonlyMap<string, TenantConfig> = new Map(),
  ) {
    this.key = sha(`leadbot-console:${adminToken}`);
  }

  /** The operator a token belongs to; `undefined` for an unknown token (constant-time compare). */
  byToken(token: string, name?: string): Operator | undefined {
    let found: Operator | undefined;
    if (same(token, this.adminToken)) found = { name: name?.trim() || 'admin', tenant: null, admin: true };
    for (const op of this.operators)
      if (same(token, op.token)) found ??= { name: op.name, tenant: op.tenant ?? null, admin: false };
    const tenant = found ? undefined : adminTenantOf(token, this.adminToken, this.tenants);
    if (tenant) found = { name: name?.trim() || `admin (${tenant})`, tenant, admin: true };
    return found;
  }

  /** The request's operator, or a 401/403 `ClientError`. Bearer first, then the console session. */
  authenticate(request: FastifyRequest, options: { mutating: boolean }): Operator {
    const bearer = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '')?.[1]?.trim();
    if (bearer) {
      const operator = this.byToken(bearer);
      if (!operator) throw unauthorized();
      return operator;
    }
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    const session = cookie ? this.verify(cookie) : undefined;
    if (!session) throw unauthorized();
    if (options.mutating) {
      const csrf = request.headers[CSRF_HEADER];
      if (typeof csrf !== 'string' || !same(csrf, this.csrfFor(cookie!)))
        throw new ClientError('forbidden', 'Missing or wrong X-Leadbot-CSRF header; reload the console.', {
          status: 403,
        });
    }
    return { name: session.n, tenant: session.t, admin: session.a };
  }

  /** Starts a console session; the cookie is set on `reply`. */
  login(
    reply: FastifyReply,
    token: string,
    name: string | undefined,
    secure: boolean,
  ): { operator: Operator; csrf: string } {
    const operator = this.byToken(token, name);
    if (!operator)
      throw new ClientError('unauthorized', 'That token is not an admin or operator token.', { status: 401 });
    if (operator.admin && !name?.trim())
      throw new ClientError('name_required', 'With the admin token, also say who you are (your name).');
    const session: Session = {
      n: operator.name.slice(0, 80),
      t: operator.tenant,
      a: operator.admin,
      e: this.now() + SESSION_MS,
      k: fingerprint(hexOf(token)),
    };
    const body = Buffer.from(JSON.stringify(session)).toString('base64url');
    const value = `${body}.${this.sign(body)}`;
    reply.header(
      'set-cookie',
      `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_MS / 1000}${secure ? '; Secure' : ''}`,
    );
    return { operator, csrf: this.csrfFor(value) };
  }

  /** The session of a request (for `GET /console/session`), with its CSRF value. */
  session(request: FastifyRequest): { operator: Operator; csrf: string } | undefined {
    const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
    const session = cookie ? this.verify(cookie) : undefined;
    if (!session) return undefined;
    return {
      operator: { name: session.n, tenant: session.t, admin: session.a },
      csrf: this.csrfFor(cookie!),
    };
  }

  logout(reply: FastifyReply): void {
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
  }

  private verify(value: string): Session | undefined {
    const [body, mac] = value.split('.');
    if (!body || !mac || !same(mac, this.sign(body))) return undefined;
    let session: Session;
    try {
      session = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Session;
    } catch {
      return undefined;
    }
    if (!(session.e > this.now())) return undefined;
    const hashes = [this.adminToken, ...this.operators.map((o) => o.token)].map(hexOf);
    for (const tenant of this.tenants.values()) hashes.push(...(tenant.admin?.tokenSha256 ?? []));
    return hashes.some((h) => fingerprint(h.toLowerCase()) === session.k) ? session : undefined;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }

  private csrfFor(cookie: string): string {
    return createHmac('sha256', this.key).update(`csrf:${cookie}`).digest('base64url');
  }
}

/** May `operator` see a conversation of `tenant`? */
export function mayAccess(operator: Operator, tenant: string): boolean {
  return operator.tenant === null || operator.tenant === tenant;
}

function unauthorized(): ClientError {
  return new ClientError(
    'unauthorized',
    'Missing or wrong token. Send "Authorization: Bearer <admin or operator token>" or log into /console.',
    { status: 401 },
  );
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}
