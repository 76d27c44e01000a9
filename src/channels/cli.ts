import { newId } from '../ids.ts';
import type { Channel } from './channel.ts';
import { conversationIdFor, submit, type Intake } from './intake.ts';
import { collectTurn } from './turn-collector.ts';

/**
 * The terminal as a channel (`leadbot chat`): one person at a keyboard, so it is created by the CLI
 * rather than by the plug-in registry. Each line is a message; `say` resolves with the turn's replies.
 */
export class CliChannel implements Channel {
  readonly name = 'cli' as const;
  private said = 0;

  constructor(
    private readonly intake: Intake,
    private readonly options: { tenantId: string; session: string; replyTimeoutMs: number },
  ) {}

  /** Submits one line and waits for the replies of its turn (rejects with the runtime's `ClientError`). */
  async say(text: string): Promise<string[]> {
    const { tenantId, session, replyTimeoutMs } = this.options;
    const id = newId('cli_');
    const conversationId = conversationIdFor(tenantId, 'cli', session);
    const turn = collectTurn(this.intake.bus, id, conversationId, replyTimeoutMs);
    try {
      await submit(this.intake, { id, tenantId, channel: 'cli', userId: session, text });
      this.said++;
      const { replies } = await turn.done;
      return replies.map((reply) => reply.text);
    } catch (error) {
      turn.cancel();
      throw error;
    }
  }

  start(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }

  status(): Record<string, unknown> {
    return { session: this.options.session, messages: this.said };
  }
}
