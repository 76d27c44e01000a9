import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall {
  method: string;
  body: Record<string, unknown>;
}

/**
 * A fake Slack Web API (`chat.postMessage`, `chat.update`, `auth.test`, `users.info`) modelled on
 * Slack's documented behaviour: HTTP 200 with `{"ok":false,"error":"invalid_auth"}` for a wrong or
 * missing bot token, `ts` values as Slack formats them, users with `real_name`.
 */
export async function startFakeSlack(token: string, users: Record<string, string>) {
  const calls: SlackCall[] = [];
  let seq = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const method = url.pathname.replace(/^\/(api\/)?/, '');
      const send = (body: unknown) =>
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
      if (req.headers.authorization !== `Bearer ${token}`) return send({ ok: false, error: 'invalid_auth' });
      let body: Record<string, unknown> = {};
      try {
        body = raw ? (JSON.parse(raw) as Record<string, unknown>) : Object.fromEntries(url.searchParams);
      } catch {
        return send({ ok: false, error: 'invalid_json' });
      }
      calls.push({ method, body });
      if (method === 'auth.test')
        return send({ ok: true, user_id: 'UBOT', bot_id: 'BBOT', team_id: 'T1', user: 'leadbot' });
      if (method === 'users.info') {
        const name = users[String(body.user)];
        return name
          ? send({ ok: true, user: { id: body.user, name: name.toLowerCase(), real_name: name } })
          : send({ ok: false, error: 'user_not_found' });
      }
      if (method === 'chat.postMessage') {
        if (!body.channel) return send({ ok: false, error: 'channel_not_found' });
        const ts = `1700000000.${String(++seq).padStart(6, '0')}`;
        return send({ ok: true, channel: 'C0HANDOFF', ts, message: { text: body.text, ts } });
      }
      if (method === 'chat.update') return send({ ok: true, channel: body.channel, ts: body.ts });
      return send({ ok: false, error: 'unknown_method' });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
  return { url, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}
