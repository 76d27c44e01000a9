import type { Channel, ChannelDeps, ChannelPlugin } from './channel.ts';
import { restChannel } from './rest.ts';
import { telegramChannel } from './telegram/index.ts';
import { twilioChannel } from './twilio/index.ts';
import { webChannel } from './web.ts';
import { whatsappChannel } from './whatsapp/index.ts';

/**
 * Every channel this build knows, in start order. A new channel is one folder under `src/channels/` that
 * exports a `ChannelPlugin`, one line here, and its name in `CHANNELS` (src/protocol/messages.ts).
 */
export const CHANNEL_PLUGINS: readonly ChannelPlugin[] = [
  webChannel,
  restChannel,
  telegramChannel,
  whatsappChannel,
  twilioChannel,
];

/**
 * The channels named in config (`channels.enabled`, env `LEADBOT_CHANNELS`; all by default) that are
 * configured; a provider channel without credentials logs how to turn it on and is left out.
 */
export function createChannels(deps: ChannelDeps, enabled?: readonly string[]): Channel[] {
  const wanted = enabled ? new Set(enabled) : undefined;
  return CHANNEL_PLUGINS.filter((plugin) => !wanted || wanted.has(plugin.name))
    .map((plugin) => plugin.create(deps))
    .filter((channel): channel is Channel => channel !== undefined);
}
