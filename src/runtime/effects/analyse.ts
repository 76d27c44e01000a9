import { fromPromise } from 'xstate';
import type { AnalyseInput, AnalyseOutput } from '../../../machines/conversation-machine.ts';
import { campaignOfText } from '../../config/campaigns.ts';
import { analyseMessage } from '../../nlu/analyse.ts';
import { summariseProblem } from '../../nlu/summary.ts';
import type { EffectDeps } from './deps.ts';

const sameName = (a: string, b: string): boolean =>
  a
    .normalize('NFD')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toLowerCase() ===
  b
    .normalize('NFD')
    .replace(/[^\p{L}\p{N}]/gu, '')
    .toLowerCase();

/**
 * The machine's `analyse` effect: deterministic NLU of the person's message (language, intent,
 * fields), corrected for the tenant's campaign links and its own name, plus the problem summary.
 */
export function analyseEffect(deps: Pick<EffectDeps, 'tenants'>) {
  return fromPromise<AnalyseOutput, AnalyseInput>(({ input }) => {
    const analysis = analyseMessage(input.text, {
      expecting: input.expecting,
      ...(input.previousLanguage ? { previousLanguage: input.previousLanguage } : {}),
      defaultLanguage: input.defaultLanguage,
    });
    const tenant = input.tenantId ? deps.tenants.get(input.tenantId) : undefined;
    // A campaign link's prefilled "Hola, necesito info" is the link's words, not the prospect's need.
    if (tenant && campaignOfText(tenant, input.text)) {
      analysis.greetingOnly = true;
      delete analysis.need;
      const { problem: _p, ...rest } = analysis.fields;
      analysis.fields = rest;
    }
    // "una entrevista con el equipo de RutaViva": the tenant's own name is not the prospect's company.
    const own = tenant?.companyName;
    if (own && analysis.fields.company && sameName(analysis.fields.company, own)) {
      const { company: _own, ...fields } = analysis.fields;
      analysis.fields = fields;
    }
    const needs = analysis.need ? [...input.needs, analysis.need] : input.needs;
    const output: AnalyseOutput = { analysis };
    const summary = needs.length > 0 ? summariseProblem(needs, analysis.language) : '';
    if (summary) output.problemSummary = summary;
    return Promise.resolve(output);
  });
}
