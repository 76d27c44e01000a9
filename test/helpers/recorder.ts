import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
}

/**
 * A local HTTP receiver standing in for Slack / Teams incoming webhooks: records every POST and
 * answers as they do (Slack: 200 "ok"; Teams Workflows: 202). `status` overrides the answer.
 */
export async function startRecorder(
  status: (path: string, n: number) => number = (path) => (path.includes('teams') ? 202 : 200),
): Promise<{ url: string; received: Recorded[]; close: () => Promise<void>; server: Server }> {
  const received: Recorded[] = [];
  let n = 0;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      const code = status(path, ++n);
      if (code < 300) {
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        received.push({ path, headers: req.headers, body, json });
      }
      res.writeHead(code, { 'content-type': 'text/plain' }).end(code < 300 ? 'ok' : 'error');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, received, server, close: () => new Promise((r) => server.close(() => r())) };
}

export async function until<T>(
  fn: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 40));
  }
}
