import { errorMessage } from '../../errors.ts';
import { newId } from '../../ids.ts';
import type { InboundMessage, Language, OutboundEvent } from '../../protocol/index.ts';
import { route } from '../human-commands.ts';
import type { SupervisorOptions } from './types.ts';

/** A bot reply to `message`'s conversation, under a fresh id (gateways drop ids they delivered). */
export function botMessage(
  message: InboundMessage,
  text: string,
  state: string,
  language: Language,
): OutboundEvent {
  return { type: 'bot.message', id: newId('out_'), ...route(message), text, state, language };
}

/**
 * Hands an outbound event to the bus. A failure is logged, never thrown: the turn is persisted
 * already, and a reply that could not leave must not fail it.
 */
export async function publish(
  options: Pick<SupervisorOptions, 'bus' | 'log' | 'onPublished'>,
  event: OutboundEvent,
): Promise<void> {
  try {
    await options.bus.publishOutbound(event);
    options.onPublished?.(event);
  } catch (error) {
    options.log.error(
      { conversationId: event.conversationId, err: errorMessage(error) },
      'could not publish outbound event',
    );
  }
}
