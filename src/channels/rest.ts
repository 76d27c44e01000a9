import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ClientError, OverloadedError } from '../errors.ts';
import { newId } from '../ids.ts';
import type { Store } from '../ports/store.ts';
import type { ChannelPlugin } from './channel.ts';
import { EXTERNAL_ID, conversationIdFor, resolveTenant, submit, type Intake } from './intake.ts';
import { sourceLimitConfig } from '../http/source-limits.ts';
import { collectTurn } from './turn-collector.ts';
import { authorizeRest, checkRestExposure, isLoopbackHost, type RestAuthOptions } from './rest-auth.ts';

const RestBody = z.object({
  sender: z
    .union([z.string(), z.number()])
    .transform(String)
    .pipe(z.string().regex(EXTERNAL_ID, 'sender must be 1-128 letters, digits or _.:@+=-')),
  message: z.string({ error: 'message must be a string' }),
  tenant: z.string().min(1).max(64).optional(),
  /** Optional client message id; retries with the same id are recognised later (dedupe). */
  message_id: z.string().min(1).max(200).optional(),
});

/**
 * The REST channel, shaped like Rasa's REST connector: `POST /webhooks/rest`
 * `{"sender","message","tenant"?}` → `[{"recipient_id","text"}]`, answered once the turn is over.
 */
export function registerRestChannel(
  app: FastifyInstance,
  intake: Intake,
  options: {
    replyTimeoutMs: number;
    /** The replies a handled message got (from history), so a retry is answered the same way. */
    repliesTo?: (conversationId: string, messageId: string) => Promise<string[]>;
    /** Who may call (tokens, loopback); see `rest-auth.ts`. */
    auth?: RestAuthOptions;
    /** Calls one source may make a minute (`0` or unset: unlimited). */
    perSourcePerMinute?: number;
  },
): void {
  app.post('/webhooks/rest', sourceLimitConfig(options.perSourcePerMinute ?? 0), async (request, reply) => {
    const parsed = RestBody.safeParse(request.body);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
      throw new ClientError(
        'invalid_message',
        `Expected {"sender": string, "message": string, "tenant"?: string}. ${detail}`,
      );
    }
    const { sender, message, tenant: tenantId, message_id } = parsed.data;
    const tenant = resolveTenant(intake, tenantId);
    if (options.auth) authorizeRest(request, tenant, options.auth);
    const id = message_id ?? newId('rest_');
    const conversationId = conversationIdFor(tenant.id, 'rest', sender);
    const collector = collectTurn(intake.bus, id, conversationId, options.replyTimeoutMs);
    try {
      const { duplicate } = await submit(intake, {
        id,
        tenantId: tenant.id,
        channel: 'rest',
        userId: sender,
        text: message,
      });
      // A retry is never processed twice: it waits for the first delivery's turn if that is still
      // running, or gets the replies it already produced.
      if (duplicate && !intake.dedupe?.isPending?.(conversationId, id)) {
        collector.cancel();
        const earlier = (await options.repliesTo?.(conversationId, id)) ?? [];
        return earlier.map((text) => ({ recipient_id: sender, text }));
      }
    } catch (error) {
      collector.cancel();
      throw error;
    }
    try {
      const { replies } = await collector.done;
      return replies.map((r) => ({ recipient_id: sender, text: r.text }));
    } catch (error) {
      // Refused after all (nothing was kept): 503 with Retry-After, as at the door.
      if (error instanceof OverloadedError) throw error;
      return reply.code(504).send({
        error: {
          code: 'internal_error',
          message:
            'The bot did not answer in time; your message was received and will be answered in the conversation.',
        },
      });
    }
  });
}

/** The replies a handled message got, read from the history (a retried message is answered the same). */
export function repliesFromHistory(store: Pick<Store, 'getHistory'>) {
  return async (conversationId: string, messageId: string): Promise<string[]> => {
    const lines = await store.getHistory(conversationId, 500);
    const asked = lines.findIndex((l) => l.role === 'user' && l.messageId === messageId);
    if (asked < 0) return [];
    const turn = lines[asked]!.turn;
    // Only the bot's replies: what an operator wrote meanwhile was not an answer to this message.
    return lines
      .slice(asked + 1)
      .flatMap((l) => (l.role === 'assistant' && l.turn === turn && !l.by ? [l.text] : []));
  };
}

/** The REST channel as a plug-in (`LEADBOT_REST_REPLY_TIMEOUT_MS` bounds its wait for the replies). */
export const restChannel: ChannelPlugin = {
  name: 'rest',
  create(deps) {
    const token = deps.config.secrets.restToken;
    // A reverse proxy in front (trustProxy) makes even a loopback server public.
    const behindProxy = deps.config.server.trustProxy !== false;
    checkRestExposure(deps.intake.tenants, deps.config.server.host, {
      ...(token ? { token } : {}),
      behindProxy,
    });
    const loopback = isLoopbackHost(deps.config.server.host) && !behindProxy;
    registerRestChannel(deps.app, deps.intake, {
      auth: { ...(token ? { token } : {}), loopback },
      replyTimeoutMs: deps.config.server.restReplyTimeoutMs,
      perSourcePerMinute: deps.config.server.sourceLimits.restMessagesPerMinute,
      ...(deps.repliesTo ? { repliesTo: deps.repliesTo } : {}),
    });
    return {
      name: 'rest',
      start: () => Promise.resolve(),
      close: () => Promise.resolve(),
      status: () => ({ path: '/webhooks/rest' }),
    };
  },
};
