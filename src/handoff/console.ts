import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ClientError } from '../errors.ts';
import { mayAccess, type OperatorAuth } from './operators.ts';
import type { ConsoleEvent, HandoffRegistry } from './registry.ts';

const CONSOLE_DIR = fileURLToPath(new URL('../../public/console/', import.meta.url));
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'application/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
};
const CSP =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const Login = z.object({ token: z.string().min(1).max(500), name: z.string().max(80).optional() });

export interface ConsoleDeps {
  auth: OperatorAuth;
  registry: HandoffRegistry;
  /** `Secure` cookies when the console is served over https (`channels.publicUrl`). */
  secureCookies: boolean;
  /** SSE keep-alive comment interval (proxies drop idle streams). */
  heartbeatMs?: number;
}

/** Static files of the console, read once (the folder ships with the package). */
function loadFiles(): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  let names: string[] = [];
  try {
    names = readdirSync(CONSOLE_DIR);
  } catch {
    return files;
  }
  for (const name of names) {
    const ext = name.split('.').pop() ?? '';
    if (TYPES[ext]) files.set(name, { body: readFileSync(join(CONSOLE_DIR, name)), type: TYPES[ext] });
  }
  return files;
}

/**
 * The operator console: `GET /console` (the page and its files), session routes
 * (`/console/login`, `/console/session`, `/console/logout`) and the live feed
 * `GET /console/events` (Server-Sent Events: `handoff`, `removed`, `message`, `state`).
 */
export function registerConsole(app: FastifyInstance, deps: ConsoleDeps): void {
  const files = loadFiles();
  const serve = (name: string) => {
    const file = files.get(name);
    if (!file) throw new ClientError('not_found', `No console file ${name}.`, { status: 404 });
    return file;
  };
  const headers = {
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-cache',
  };
  app.get('/console', (_request, reply) =>
    reply.headers(headers).type(serve('index.html').type).send(serve('index.html').body),
  );
  // One conversation on its state chart (the page reads /api/conversations/:id/state, live).
  app.get('/console/conversations/:id', (_request, reply) =>
    reply.headers(headers).type(serve('chart.html').type).send(serve('chart.html').body),
  );
  app.get('/console/:file', (request, reply) => {
    const name = (request.params as { file: string }).file;
    if (!/^[a-z0-9-]+\.[a-z]+$/.test(name) || name === 'index.html' || name === 'chart.html')
      throw new ClientError('not_found', 'No such console file.', { status: 404 });
    const file = serve(name);
    return reply.headers(headers).type(file.type).send(file.body);
  });
  app.post('/console/login', (request, reply) => {
    const parsed = Login.safeParse(request.body);
    if (!parsed.success) throw new ClientError('invalid_message', 'Send {"token": "…", "name": "…"}.');
    return deps.auth.login(reply, parsed.data.token.trim(), parsed.data.name, deps.secureCookies);
  });
  app.get('/console/session', (request) => {
    const session = deps.auth.session(request);
    if (!session) throw new ClientError('unauthorized', 'Not logged in.', { status: 401 });
    return session;
  });
  app.post('/console/logout', (request, reply) => {
    deps.auth.authenticate(request, { mutating: true });
    deps.auth.logout(reply);
    return reply.code(204).send();
  });
  app.get('/console/events', (request, reply) => {
    const operator = deps.auth.authenticate(request, { mutating: false });
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    const write = (event: string, data: unknown) =>
      res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    res.write('retry: 2000\n\n');
    write('ready', { operator });
    const unsubscribe = deps.registry.subscribe((event: ConsoleEvent) => {
      if (!mayAccess(operator, event.tenant)) return;
      const { type, tenant: _tenant, ...data } = event;
      if (event.type === 'handoff') {
        const item = deps.registry.withWait(event.item);
        write('handoff', { ...item, since: new Date(item.since).toISOString() });
      } else write(type, data);
    });
    const beat = setInterval(() => res.write(': keep-alive\n\n'), deps.heartbeatMs ?? 20_000);
    beat.unref();
    request.raw.on('close', () => {
      clearInterval(beat);
      unsubscribe();
    });
  });
}
