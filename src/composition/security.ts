import type { Config } from '../config/schema.ts';
import type { ChatModel } from '../ports/chat-model.ts';
import { ThreatDetector, type ThreatJudge } from '../security/detector.ts';
import { FloodControl } from '../security/flood-control.ts';
import { TOOL_NAMES } from '../../skills/registry.ts';

/** The guard every message passes before the conversation sees it, and the per-person flood control. */
export function createSecurity(config: Readonly<Config>, llm: ChatModel | undefined) {
  const detector = new ThreatDetector({ toolNames: TOOL_NAMES });
  const flood = new FloodControl(config.security);
  // Uncertain verdicts get a second opinion from the LLM (through the key pool) when one is configured.
  const judgeWith = llm && config.security.llmJudge ? llm.judge?.bind(llm) : undefined;
  const timeout = config.security.judgeTimeoutMs;
  const judge: ThreatJudge | undefined = judgeWith
    ? { judge: (text, lang, signal) => judgeWith(text, lang, signal ?? AbortSignal.timeout(timeout)) }
    : undefined;
  const guard = (text: string) =>
    judge
      ? detector.inspectWithJudge(text, judge, { signal: AbortSignal.timeout(timeout) })
      : detector.inspect(text);
  return { flood, guard };
}
