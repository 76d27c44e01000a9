import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { quiet } from '../util/lmdb-errors.ts';
import type { Database } from 'lmdb';
import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { Bus } from '../ports/bus.ts';
import type { Clock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import type { ChannelName, HumanKind, OutboundEvent } from '../protocol/index.ts';
import { slackMessage, slackThreadLine, type HandoffAlert } from './alert-format.ts';
import { dispatchCommand, type CommandResult } from './operator-api.ts';
import type { SlackApi } from './slack-api.ts';
import { verifySlackSignature } from './slack-signature.ts';

/** A conversation's alert message in Slack (its thread carries the conversation). */
interface Thread {
  conversationId: string;
  channel: string;
  ts: string;
  /** The alert as posted (to update it with its owner); unknown on nodes that only heard of it. */
  alert?: HandoffAlert;
}

/** A row of the Slack thread index. */
export type SlackThreadRow = Thread | string;

export interface SlackAppDeps {
  api: SlackApi;
  signingSecret: string;
  bus: Bus;
  store: Store;
  /** `c:<conversationId>` → thread, `t:<channel>:<ts>` → conversation id, `e:<event_id>` → when handled. */
  threads: Database<SlackThreadRow, string>;
  clock: Clock;
  log: Logger;
}

const SEEN_LIMIT = 2000;
const THREAD_WAIT_MS = 5000;
const THREAD_POLL_MS = 100;

/**
 * The Slack app: alerts posted with *Take over* / *Give back* buttons; a reply in the alert's
 * thread goes to the prospect on their own channel, and the prospect's messages appear in the
 * thread. Requests are verified (v0 signature, 5-minute window) before they are parsed.
 */
export class SlackApp {
  private readonly seen = new Set<string>();
  private me: Promise<{ userId: string; botId?: string }> | undefined;

  constructor(private readonly deps: SlackAppDeps) {}

  /**
   * An alert was posted (on the node that sent it): its thread is remembered here and announced on
   * the bus, so the node that receives Slack's events (a gateway, in cluster mode) knows it too.
   */
  async remember(alert: HandoffAlert, posted: { channel: string; ts: string }): Promise<void> {
    await this.index(alert.conversationId, posted.channel, posted.ts, alert);
    const record = await this.deps.store.getConversation(alert.conversationId);
    await this.deps.bus.publishOutbound({
      type: 'handoff.thread',
      tenantId: alert.tenantId,
      channel: (record?.channel ?? alert.channel) as ChannelName,
      conversationId: alert.conversationId,
      userId: record?.userId ?? '',
      inReplyTo: `alert:${alert.conversationId}`,
      slackChannel: posted.channel,
      ts: posted.ts,
    });
  }

  /** Bus listener (every node): learns the threads other nodes posted. */
  observe(event: OutboundEvent): void {
    if (event.type !== 'handoff.thread') return;
    const known = this.deps.threads.get(`c:${event.conversationId}`);
    const alert = typeof known === 'object' ? known.alert : undefined;
    void this.index(event.conversationId, event.slackChannel, event.ts, alert);
  }

  /**
   * An event this node published (the node that owns the conversation, so each is copied once): a
   * prospect's message in a conversation with a thread appears in that thread.
   */
  published(event: OutboundEvent): void {
    if (event.type !== 'prospect.message') return;
    const thread = this.deps.threads.get(`c:${event.conversationId}`);
    if (!thread || typeof thread === 'string') return;
    this.deps.api
      .postMessage({
        channel: thread.channel,
        thread_ts: thread.ts,
        text: slackThreadLine('prospect', event.text),
      })
      .catch((error: unknown) =>
        this.deps.log.warn(
          { conversationId: event.conversationId, err: errorMessage(error) },
          'could not copy to Slack',
        ),
      );
  }

  private async index(
    conversationId: string,
    channel: string,
    ts: string,
    alert: HandoffAlert | undefined,
  ): Promise<void> {
    const thread: Thread = { conversationId, channel, ts, ...(alert ? { alert } : {}) };
    await this.deps.threads.put(`c:${conversationId}`, thread);
    await this.deps.threads.put(`t:${channel}:${ts}`, conversationId);
  }

  register(app: FastifyInstance): void {
    void app.register((scope, _options, done) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, next) => next(null, body));
      scope.post('/webhooks/slack/events', (request, reply) => this.events(request, reply));
      scope.post('/webhooks/slack/interactivity', (request, reply) => this.interactivity(request, reply));
      done();
    });
  }

  private verified(request: FastifyRequest, reply: FastifyReply): string | undefined {
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const check = verifySlackSignature({
      signingSecret: this.deps.signingSecret,
      timestamp: header('x-slack-request-timestamp'),
      signature: header('x-slack-signature'),
      rawBody,
      nowMs: this.deps.clock.now(),
    });
    if (check.ok) return rawBody;
    this.deps.log.warn({ reason: check.reason }, 'Slack request refused: bad or stale signature');
    void reply
      .code(401)
      .send({ error: { code: 'bad_signature', message: 'Slack signature missing, stale or wrong.' } });
    return undefined;
  }

  private async events(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const raw = this.verified(request, reply);
    if (raw === undefined) return reply;
    let body: { type?: string; challenge?: string; event_id?: string; event?: SlackMessageEvent };
    try {
      body = JSON.parse(raw) as typeof body;
    } catch {
      return reply.code(400).send({ error: { code: 'bad_json', message: 'The body is not valid JSON.' } });
    }
    if (body.type === 'url_verification') return reply.send({ challenge: body.challenge ?? '' });
    // Acknowledge at once (Slack retries after 3 s); an event already handled is not handled again.
    const id = body.event_id;
    if (body.type !== 'event_callback' || !body.event || !id || this.handled(id))
      return reply.send({ ok: true });
    this.note(id);
    void this.threadReply(body.event).catch((error: unknown) =>
      this.deps.log.warn({ err: errorMessage(error) }, 'Slack thread reply failed'),
    );
    return reply.send({ ok: true });
  }

  private async interactivity(request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const raw = this.verified(request, reply);
    if (raw === undefined) return reply;
    let payload: BlockActions;
    try {
      payload = JSON.parse(new URLSearchParams(raw).get('payload') ?? '') as BlockActions;
    } catch {
      return reply.code(400).send({ error: { code: 'bad_json', message: 'The payload is not valid JSON.' } });
    }
    const action = payload.actions?.[0];
    if (payload.type === 'block_actions' && action?.value && payload.user?.id) {
      const kind: HumanKind | undefined =
        action.action_id === 'leadbot_takeover'
          ? 'human.takeover'
          : action.action_id === 'leadbot_release'
            ? 'human.release'
            : undefined;
      if (kind)
        void this.button(kind, action.value, payload.user.id, payload.user.name).catch((error: unknown) =>
          this.deps.log.warn({ err: errorMessage(error) }, 'Slack button failed'),
        );
    }
    return reply.send();
  }

  private async threadReply(event: SlackMessageEvent): Promise<void> {
    if (event.type !== 'message' || event.subtype || event.bot_id || !event.thread_ts || !event.user) return;
    const me = await this.whoAmI();
    if (event.user === me.userId) return;
    const text = fromSlack(event.text ?? '');
    if (!text) return;
    const conversationId = await this.threadOf(event.channel, event.thread_ts);
    if (!conversationId) {
      this.deps.log.warn(
        { channel: event.channel, thread: event.thread_ts },
        'Slack reply in an unknown thread',
      );
      return;
    }
    const name = (await this.deps.api.usersInfo(event.user)).name;
    let result = await this.command(conversationId, 'human.message', name, text);
    // Nobody holds it yet: a reply in the thread takes the conversation over.
    if (result?.code === 'not_taken_over') {
      const taken = await this.command(conversationId, 'human.takeover', name);
      if (taken?.ok) {
        await this.refresh(conversationId, name);
        result = await this.command(conversationId, 'human.message', name, text);
      } else result = taken;
    }
    if (result && !result.ok)
      await this.say(conversationId, `⚠️ ${result.message ?? result.code ?? 'not sent'}`);
    else if (result?.warning) await this.say(conversationId, `⚠️ ${result.warning.message}`);
  }

  /**
   * The conversation a thread carries. In cluster mode the thread is announced on the bus by the
   * node that posted the alert, and the conversation's record is replicated: an operator's reply can
   * arrive before either, so it waits for them a little (the event was acknowledged already).
   */
  private async threadOf(channel: string, ts: string): Promise<string | undefined> {
    for (let waited = 0; ; waited += THREAD_POLL_MS) {
      const id = this.deps.threads.get(`t:${channel}:${ts}`);
      if (typeof id === 'string' && (await this.deps.store.getConversation(id))) return id;
      if (waited >= THREAD_WAIT_MS) return undefined;
      await new Promise((resolve) => setTimeout(resolve, THREAD_POLL_MS));
    }
  }

  private async button(
    kind: HumanKind,
    conversationId: string,
    user: string,
    fallback?: string,
  ): Promise<void> {
    const name = (await this.deps.api.usersInfo(user).catch(() => ({ name: fallback ?? user }))).name;
    const result = await this.command(conversationId, kind, name);
    if (!result) return;
    if (!result.ok) return this.say(conversationId, `⚠️ ${result.message ?? result.code}`);
    await this.refresh(conversationId, result.owner);
  }

  private async command(
    conversationId: string,
    kind: HumanKind,
    name: string,
    text = '',
  ): Promise<CommandResult | undefined> {
    const record = await this.deps.store.getConversation(conversationId);
    if (!record) return undefined;
    return dispatchCommand({ bus: this.deps.bus, clock: this.deps.clock }, record, kind, text, { name });
  }

  /** Updates the alert message: who handles it now. */
  private async refresh(conversationId: string, owner: string | null): Promise<void> {
    const thread = this.deps.threads.get(`c:${conversationId}`);
    if (!thread || typeof thread === 'string') return;
    // A node that only heard of the thread cannot redraw the alert: it says so in the thread.
    if (!thread.alert) return this.say(conversationId, owner ? `✅ ${owner}` : '↩️ bot');
    await this.deps.api.update({
      channel: thread.channel,
      ts: thread.ts,
      ...slackMessage(thread.alert, { buttons: true, owner }),
    });
  }

  private async say(conversationId: string, text: string): Promise<void> {
    const thread = this.deps.threads.get(`c:${conversationId}`);
    if (!thread || typeof thread === 'string') return;
    await this.deps.api.postMessage({
      channel: thread.channel,
      thread_ts: thread.ts,
      text: escapeMrkdwn(text),
    });
  }

  private whoAmI(): Promise<{ userId: string; botId?: string }> {
    this.me ??= this.deps.api.authTest().catch((error: unknown) => {
      this.me = undefined;
      throw error;
    });
    return this.me;
  }

  /** Seen before (Slack retries for up to an hour; the ids are kept on disk across restarts). */
  private handled(id: string): boolean {
    return this.seen.has(id) || this.deps.threads.get(`e:${id}`) !== undefined;
  }

  private note(id: string): void {
    this.seen.add(id);
    quiet(this.deps.threads.put(`e:${id}`, String(this.deps.clock.now())));
    if (this.seen.size > SEEN_LIMIT) {
      const oldest = this.seen.values().next().value!;
      this.seen.delete(oldest);
      quiet(this.deps.threads.remove(`e:${oldest}`));
    }
  }
}

interface SlackMessageEvent {
  type: string;
  subtype?: string;
  bot_id?: string;
  user?: string;
  text?: string;
  channel: string;
  ts: string;
  thread_ts?: string;
}

interface BlockActions {
  type: string;
  user?: { id: string; name?: string };
  actions?: { action_id: string; value?: string }[];
}

/** Slack's mrkdwn as the prospect should read it: links as their label or URL, entities decoded. */
export function fromSlack(text: string): string {
  return text
    .replace(/<([^<>|]+)\|([^<>]+)>/g, (_m, target: string, label: string) =>
      target.replace(/^mailto:/, '') === label || /^[@!#]/.test(target) ? label : `${label} (${target})`,
    )
    .replace(/<(?:mailto:)?([^<>@!#][^<>]*)>/g, '$1')
    .replace(/<[@!#][^<>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

/** Text leadbot writes into Slack (names operators typed) cannot ping or link. */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
