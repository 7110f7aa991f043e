import type * as vscode from 'vscode';
import {
  estimateCost,
  fitToContext,
  localTokenCounter,
  type ChatMessage,
  type CostEstimate,
  type Registry,
} from '../core';
import { Commands } from '../platform/commandIds';
import type { CostService, Services } from '../services';
import { history, readReferences } from './chatContext';
import { escapeMarkdown, type SwitchboardChatMetadata } from './metadata';
import { enabledModels } from './model';
import { range } from './answer';

/** Without a known output limit, the answer a request is assumed to reach at most (the budgets' default cap). */
/** `/cost` prices what it is given up to the largest windows there are (2M tokens); beyond that nothing could take it. */
const COST_WINDOW = 2_000_000;

export interface CostEstimateRow {
  providerId: string;
  providerName: string;
  model: string;
  estimate: CostEstimate;
}

/** What this prompt would cost on each model of each enabled provider, counted locally: nothing is sent. */
export async function costEstimates(
  registry: Registry,
  cost: CostService,
  messages: ChatMessage[],
): Promise<CostEstimateRow[]> {
  const rows: CostEstimateRow[] = [];
  for (const { providerId, modelId: model } of enabledModels(registry)) {
    const entry = registry.get(providerId)!;
    const facts = await registry.modelFacts(entry.id, model);
    const estimate = await estimateCost(
      cost.pricing(entry.id, model),
      { model, messages },
      entry.type,
      facts.maxOutputTokens.value,
    );
    rows.push({ providerId: entry.id, providerName: entry.name, model, estimate });
  }
  return rows;
}

/** `/cost`: what this prompt would cost on each model, counted locally; nothing is sent. */
export async function costCommand(
  { registry, cost }: Services,
  request: vscode.ChatRequest,
  context: vscode.ChatContext,
  stream: vscode.ChatResponseStream,
  keep: SwitchboardChatMetadata,
): Promise<vscode.ChatResult> {
  const { attachments } = await readReferences(request.references);
  const messages = fitToContext(history(context), request.prompt, attachments, {
    contextWindow: COST_WINDOW,
    reserveForAnswer: 0,
    countTokens: await localTokenCounter(),
  }).messages;
  const rows = await costEstimates(registry, cost, messages);
  if (rows.length === 0) stream.markdown('No models to price yet: add a provider and choose its models.');
  else {
    stream.markdown(
      `What this prompt would cost (nothing was sent; tokens counted locally):\n\n| Model | Prompt tokens | Cost: prompt only – longest answer |\n| --- | ---: | ---: |\n`,
    );
    for (const row of rows) {
      const counted = `${row.estimate.method === 'tokenizer' ? '' : '≈ '}${row.estimate.inputTokens.toLocaleString()}`;
      stream.markdown(
        `| ${escapeMarkdown(`${row.providerName} · ${row.model}`)} | ${counted} | ${range(row.estimate)}${row.estimate.maxOutputTokens ? ` (${row.estimate.maxOutputTokens.toLocaleString()} out)` : ''} |\n`,
      );
    }
  }
  return { metadata: { ...keep, command: 'cost' } };
}

/** `/usage`: the spend in short, with the way to the full report and budgets. */
export function usageCommand(
  { usage }: Services,
  stream: vscode.ChatResponseStream,
  keep: SwitchboardChatMetadata,
): vscode.ChatResult {
  stream.markdown(usage.summary());
  stream.button({ command: Commands.showUsage, title: 'Full Usage Report' });
  stream.button({ command: Commands.setBudget, title: 'Set Budget' });
  return { metadata: { ...keep, command: 'usage' } };
}
