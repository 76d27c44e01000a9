import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderCall {
  path: string;
  auth: string | undefined;
  body: Record<string, unknown>;
}

/**
 * Minimal local stand-ins for graph.facebook.com (WhatsApp Cloud `/<phone-id>/messages`) and the
 * Telegram Bot API (`/bot<token>/<method>`), answering with the providers' documented shapes:
 * Graph returns `messages[].id` wamids and 401 for a wrong token; Telegram checks the token in the
 * path and returns `{"ok":true,"result":{message_id,…}}`.
 */
export async function startProviderFakes(graphToken: string, telegramToken: string) {
  const graph: ProviderCall[] = [];
  const telegram: ProviderCall[] = [];
  let seq = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '/';
      const body = (raw ? JSON.parse(raw) : {}) as Record<string, unknown>;
      const send = (status: number, payload: unknown) =>
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      const bot = /^\/bot([^/]+)\/(\w+)$/.exec(path);
      if (bot) {
        if (bot[1] !== telegramToken)
          return send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
        telegram.push({ path: bot[2]!, auth: undefined, body });
        if (bot[2] === 'sendMessage')
          return send(200, {
            ok: true,
            result: {
              message_id: ++seq,
              date: Math.floor(Date.now() / 1000),
              chat: { id: Number(body.chat_id), type: 'private' },
              text: body.text,
            },
          });
        return send(200, { ok: true, result: true });
      }
      if (req.headers.authorization !== `Bearer ${graphToken}`)
        return send(401, {
          error: { message: 'Invalid OAuth access token.', type: 'OAuthException', code: 190 },
        });
      graph.push({ path, auth: req.headers.authorization, body });
      return send(200, {
        messaging_product: 'whatsapp',
        contacts: [{ input: body.to, wa_id: body.to }],
        messages: [{ id: `wamid.OUT${++seq}` }],
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    graph,
    telegram,
    /** WhatsApp sends of `type` to `to`. */
    whatsapp: (type: string, to: string) => graph.filter((c) => c.body.type === type && c.body.to === to),
    /** Telegram texts sent to `chatId`. */
    telegramTexts: (chatId: number) =>
      telegram
        .filter((c) => c.path === 'sendMessage' && Number(c.body.chat_id) === chatId)
        .map((c) => String(c.body.text)),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
