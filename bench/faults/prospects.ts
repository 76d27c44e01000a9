import WebSocket from 'ws';

/** One message a prospect sent, as the fault run saw it. */
export interface SentMessage {
  prospect: number;
  channel: 'web' | 'rest';
  id: string;
  /** First attempt (ms since epoch). */
  sentAt: number;
  /** Accepted by leadbot (the widget got no error for it / REST answered 200). */
  acknowledged: boolean;
  /** When the first reply arrived. */
  answeredAt?: number;
  /** Replies that arrived for it (more than one: answered twice). */
  replies: number;
  attempts: number;
}

export interface ProspectRunOptions {
  baseUrl: string;
  prospects: number;
  /** Prospects start spread over this long (ms). */
  spreadMs: number;
  /** One prospect in `restEvery` uses REST with message ids; the others the widget. */
  restEvery?: number;
  /** A message not answered within this long is lost (ms). */
  answerWithinMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const think = () => sleep(300 + Math.random() * 700);

/** What each prospect says: a sales need, a name with the company, an email (a complete lead). */
function script(i: number): string[] {
  return [
    `Hola, necesito cotizar rastreo GPS para ${10 + i} camiones de reparto`,
    `Soy Laura Gómez ${i}, de Transportes Norte ${i}`,
    `laura.gomez${i}@transportesnorte${i}.mx`,
  ];
}

/** Prospects at human pace through the widget (and REST with message ids), recording every message. */
export async function runProspects(options: ProspectRunOptions): Promise<SentMessage[]> {
  const sent: SentMessage[] = [];
  const runs = Array.from({ length: options.prospects }, async (_, i) => {
    await sleep((options.spreadMs * i) / options.prospects);
    const rest = options.restEvery !== undefined && i % options.restEvery === 0;
    const run = rest ? restProspect : webProspect;
    await run(options, i, sent);
  });
  await Promise.all(runs);
  return sent;
}

async function webProspect(options: ProspectRunOptions, i: number, sent: SentMessage[]): Promise<void> {
  const url = new URL('/ws', options.baseUrl.replace(/^http/, 'ws'));
  url.searchParams.set('tenant', 'demo');
  url.searchParams.set('session', `fault-web-${i}-${Date.now()}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let current: SentMessage | undefined;
  let wake: (() => void) | undefined;
  let retryAfterMs: number | undefined;
  socket.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as { type: string; retryAfterS?: number };
    if (frame.type === 'bot.message' && current) {
      current.replies++;
      current.answeredAt ??= Date.now();
      wake?.();
    } else if (frame.type === 'error' && current && current.answeredAt === undefined) {
      // Not accepted (the queue is unreachable, the node is full): the widget sends it again.
      retryAfterMs = (frame.retryAfterS ?? 1) * 1_000;
      wake?.();
    }
  });
  for (const [k, text] of script(i).entries()) {
    const message: SentMessage = {
      ...{ prospect: i, channel: 'web', id: `f${i}-${k}-${Date.now()}` },
      ...{ sentAt: Date.now(), acknowledged: true, replies: 0, attempts: 0 },
    };
    current = message;
    sent.push(message);
    await webSend(socket, message, text, options.answerWithinMs ?? 30_000, (w) => (wake = w), {
      take: () => {
        const r = retryAfterMs;
        retryAfterMs = undefined;
        return r;
      },
    });
    if (message.answeredAt === undefined) break;
    await think();
  }
  // Anything arriving now is a second answer to the last message.
  await sleep(1_500);
  socket.close();
}

async function webSend(
  socket: WebSocket,
  message: SentMessage,
  text: string,
  withinMs: number,
  onWake: (wake: () => void) => void,
  retry: { take: () => number | undefined },
): Promise<void> {
  const deadline = message.sentAt + withinMs;
  while (message.answeredAt === undefined && Date.now() < deadline) {
    message.attempts++;
    socket.send(JSON.stringify({ type: 'user.message', id: message.id, text }));
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
      onWake(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    const after = retry.take();
    if (after !== undefined && message.answeredAt === undefined) await sleep(after);
  }
}

async function restProspect(options: ProspectRunOptions, i: number, sent: SentMessage[]): Promise<void> {
  const sender = `fault-rest-${i}-${Date.now()}`;
  for (const [k, text] of script(i).entries()) {
    const message: SentMessage = {
      prospect: i,
      channel: 'rest',
      id: `r${i}-${k}`,
      sentAt: Date.now(),
      acknowledged: false,
      replies: 0,
      attempts: 0,
    };
    sent.push(message);
    const deadline = message.sentAt + (options.answerWithinMs ?? 30_000);
    while (message.answeredAt === undefined && Date.now() < deadline) {
      message.attempts++;
      const wait = await restAttempt(options.baseUrl, sender, text, message);
      if (wait !== undefined) await sleep(wait);
    }
    if (message.answeredAt === undefined) break;
    await think();
  }
}

/** One POST; the pause before retrying with the same message id, or undefined once answered. */
async function restAttempt(
  baseUrl: string,
  sender: string,
  text: string,
  message: SentMessage,
): Promise<number | undefined> {
  try {
    const res = await fetch(`${baseUrl}/webhooks/rest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sender, message: text, tenant: 'demo', message_id: message.id }),
      signal: AbortSignal.timeout(35_000),
    });
    if (res.status !== 200) return Number(res.headers.get('retry-after') ?? 1) * 1_000;
    message.acknowledged = true;
    const replies = (await res.json()) as { text?: string }[];
    if (replies.length === 0) return 1_000;
    message.replies = 1;
    message.answeredAt = Date.now();
    return undefined;
  } catch {
    return 1_000;
  }
}
