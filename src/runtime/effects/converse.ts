import { runToolCall, toolSpec, type Tool, type ToolContext } from '../../../skills/tool.ts';
import type { ChatModel, ChatRequest } from '../../ports/chat-model.ts';
import type { EffectDeps } from './deps.ts';

/** The model's final text and what the tools gave it (the output guard checks offers against it). */
export interface Conversed {
  text: string;
  evidence: string[];
}

/** Model ↔ tools loop, bounded; after the last step the model must answer in text. */
export async function converse(
  deps: Pick<EffectDeps, 'settings' | 'log'>,
  model: ChatModel,
  request: ChatRequest,
  tools: readonly Tool[],
  ctx: ToolContext,
  signal: AbortSignal,
): Promise<Conversed> {
  const messages = [...request.messages];
  const evidence: string[] = [];
  for (let step = 0; ; step++) {
    const lastStep = step >= deps.settings.maxToolSteps;
    const response = await model.complete(
      { ...request, messages, tools: lastStep ? [] : tools.map(toolSpec) },
      signal,
    );
    if (response.toolCalls.length === 0 || lastStep) {
      if (response.text.trim() === '') throw new Error('the model returned an empty reply');
      return { text: response.text, evidence };
    }
    messages.push({ role: 'assistant', content: response.text, toolCalls: response.toolCalls });
    for (const call of response.toolCalls) {
      const outcome = await runToolCall(tools, call.name, call.arguments, ctx);
      if (!outcome.ok)
        deps.log.debug(
          { conversationId: ctx.conversationId, tool: call.name, error: outcome.error },
          'tool call refused',
        );
      const content = JSON.stringify(outcome.ok ? outcome.result : { error: outcome.error });
      if (outcome.ok) evidence.push(content);
      messages.push({ role: 'tool', toolCallId: call.id, content });
    }
  }
}
