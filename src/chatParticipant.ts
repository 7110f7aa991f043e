import * as vscode from 'vscode';
import { catalogFacts, costOf, estimateCost, findTemplate, RouteError, type ChatMessage, type CostEstimate, type FallbackStep, type Registry, type Usage } from './core';
import { Commands } from './commands';
import type { CostHost } from './costHost';
import { LANGUAGE_MODEL_VENDOR } from './languageModels';
import { describeSwitch, describeWait, type RoutingHost } from './routingHost';

export const CHAT_PARTICIPANT_ID = 'switchboard.chat';

/** What a chat answer keeps, so a follow-up continues on the model that answered. */
export interface SwitchboardChatMetadata {
  providerId?: string;
  model?: string;
}

/** Where the footer begins in an answer's Markdown. */
const FOOTER_MARK = '\n\n---\n*';

/** Names come from configuration (a workspace file, say): shown as text, never as Markdown. */
const escapeMarkdown = (text: string) => text.replace(/[\\`*_{}[\]()#+\-.!|<>~]/g, '\\$&');

const usd = (value: number) => (value === 0 ? '$0' : value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`);

/** This participant's earlier turns: the user's prompts and the answers' text. */
function history(context: vscode.ChatContext): ChatMessage[] {
  const messages: ChatMessage[] = [];
  for (const turn of context.history) {
    if (turn.participant !== CHAT_PARTICIPANT_ID) continue;
    if (turn instanceof vscode.ChatRequestTurn) messages.push({ role: 'user', content: turn.prompt });
    else if (turn instanceof vscode.ChatResponseTurn) {
      // A failed turn's text is Switchboard's, not the model's; its question stays without an answer.
      if (turn.result.errorDetails) continue;
      const text = turn.response.flatMap((part) => (part instanceof vscode.ChatResponseMarkdownPart ? [part.value.value] : [])).join('');
      // The footer is Switchboard's too (answers may hold their own horizontal rules: cut at the last).
      const footer = text.lastIndexOf(FOOTER_MARK);
      const answer = footer >= 0 ? text.slice(0, footer) : text;
      if (answer.trim()) messages.push({ role: 'assistant', content: answer });
    }
  }
  return messages;
}

/** Without a known output limit, the answer a request is assumed to reach at most (the budgets' default cap). */
const ASSUMED_MAX_OUTPUT = 16_384;

export interface CostEstimateRow {
  providerId: string;
  providerName: string;
  model: string;
  estimate: CostEstimate;
}

/** What this prompt would cost on each model of each enabled provider, counted locally: nothing is sent. */
export async function costEstimates(registry: Registry, cost: CostHost, messages: ChatMessage[]): Promise<CostEstimateRow[]> {
  const rows: CostEstimateRow[] = [];
  for (const entry of registry.list().filter((candidate) => candidate.enabled)) {
    const template = findTemplate(entry.template ?? '');
    for (const model of [...new Set([...(entry.defaultModel ? [entry.defaultModel] : []), ...entry.models.map((chosen) => chosen.id)])]) {
      const maxOutput = entry.models.find((chosen) => chosen.id === model)?.maxOutputTokens ?? (await catalogFacts(template?.catalogIds ?? [], model)).maxOutputTokens ?? ASSUMED_MAX_OUTPUT;
      const estimate = await estimateCost(cost.pricing(entry.id, model), { model, messages }, entry.type, maxOutput);
      rows.push({ providerId: entry.id, providerName: entry.name, model, estimate });
    }
  }
  return rows;
}

/** "$0.0012 – $0.16", or what is unknown. */
function range(estimate: CostEstimate): string {
  if (estimate.inputUsd === undefined) return 'price unknown';
  return estimate.maxUsd === undefined ? `${usd(estimate.inputUsd)} +` : `${usd(estimate.inputUsd)} – ${usd(estimate.maxUsd)}`;
}

/** The chain for this request: a Switchboard model picked in VS Code's picker goes first, then the configured chain. */
function stepsFor(request: vscode.ChatRequest, routing: RoutingHost): FallbackStep[] {
  const chain = routing.steps();
  if (request.model.vendor !== LANGUAGE_MODEL_VENDOR) return chain;
  // A model picked from Switchboard's list; run() drops it if its provider has gone since.
  const slash = request.model.id.indexOf('/');
  const picked = { provider: request.model.id.slice(0, slash), model: request.model.id.slice(slash + 1) };
  return [picked, ...chain.filter((step) => step.provider !== picked.provider || step.model !== picked.model)];
}

/**
 * `@switchboard` in VS Code's chat: streams the answer from the chosen model through the fallback
 * chain and the budgets, says what happened on the way, and ends with a cost footer.
 */
export function registerChatParticipant(extensionUri: vscode.Uri, registry: Registry, routing: RoutingHost, cost: CostHost): vscode.Disposable {
  const handler: vscode.ChatRequestHandler = async (request, context, stream, token): Promise<vscode.ChatResult> => {
    const messages: ChatMessage[] = [...history(context), { role: 'user', content: request.prompt }];
    if (request.command === 'cost') {
      const rows = await costEstimates(registry, cost, messages);
      if (rows.length === 0) {
        stream.markdown('No models to price yet: add a provider and choose its models.');
        return {};
      }
      stream.markdown(`What this prompt would cost (nothing was sent; tokens counted locally):\n\n| Model | Prompt tokens | Cost: prompt only – longest answer |\n| --- | ---: | ---: |\n`);
      for (const row of rows) {
        const counted = `${row.estimate.method === 'tokenizer' ? '' : '≈ '}${row.estimate.inputTokens.toLocaleString()}`;
        stream.markdown(`| ${escapeMarkdown(`${row.providerName} · ${row.model}`)} | ${counted} | ${range(row.estimate)}${row.estimate.maxOutputTokens ? ` (${row.estimate.maxOutputTokens.toLocaleString()} out)` : ''} |\n`);
      }
      return {};
    }
    const steps = stepsFor(request, routing);
    if (steps.length === 0) {
      stream.markdown('No model is set up in Switchboard yet. Add a provider and choose a default model to chat with it here.');
      stream.button({ command: Commands.addProvider, title: 'Add Provider' });
      return {};
    }
    // The cost before the run, on the first model (tokens counted locally; shown while it starts).
    const first = steps[0]!;
    const firstEntry = registry.get(first.provider);
    if (firstEntry) {
      const estimate = await estimateCost(cost.pricing(first.provider, first.model), { model: first.model, messages }, firstEntry.type, ASSUMED_MAX_OUTPUT);
      stream.progress(`Asking ${firstEntry.name} ${first.model} · estimated ${range(estimate)}`);
    }
    const controller = new AbortController();
    const cancel = token.onCancellationRequested(() => controller.abort());
    const started = Date.now();
    let answeredBy: { providerId: string; providerName: string; model: string } | undefined;
    const switches: string[] = [];
    let usage: Usage | undefined;
    try {
      // A refused key gets this chat's own Set API Key button rather than a notification.
      for await (const event of routing.run({ messages }, { surface: 'chat', signal: controller.signal, steps, askAboutKeys: false })) {
        if (event.type === 'text') stream.markdown(event.text);
        else if (event.type === 'usage') usage = event.usage;
        else if (event.type === 'route-wait') stream.progress(describeWait(event));
        else if (event.type === 'route-switch') {
          switches.push(`${escapeMarkdown(`${event.from.providerName} ${event.from.model}`)} ${event.error.status ? `returned ${event.error.status}` : `failed (${event.error.kind})`}`);
          stream.progress(describeSwitch(event));
        } else if (event.type === 'route-answering') answeredBy = { providerId: event.target.providerId, providerName: event.target.providerName, model: event.target.model };
      }
    } catch (error) {
      if (token.isCancellationRequested) return {};
      // The message can quote a remote server: shown by VS Code as the error's text, not as Markdown here.
      const message = error instanceof Error ? error.message : String(error);
      const refused = error instanceof RouteError ? error.failures.find((failure) => failure.error.kind === 'invalid_credentials') : undefined;
      if (refused) stream.button({ command: Commands.setApiKey, title: 'Set API Key', arguments: [{ providerId: refused.target.providerId }] });
      else stream.button({ command: Commands.editFallbackChain, title: 'Edit Fallback Chain' });
      return { errorDetails: { message }, metadata: {} satisfies SwitchboardChatMetadata };
    } finally {
      cancel.dispose();
    }
    if (!answeredBy) return {};
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const parts = [`${escapeMarkdown(answeredBy.providerName)} · ${escapeMarkdown(answeredBy.model)}`];
    if (usage) {
      const priced = await costOf(cost.pricing(answeredBy.providerId, answeredBy.model), answeredBy.model, usage);
      parts.push(`${usage.inputTokens.toLocaleString()} in / ${usage.outputTokens.toLocaleString()} out`);
      parts.push(priced.usd === undefined ? 'price unknown' : `${usd(priced.usd)}${priced.basis === 'reported' ? ' (reported)' : ''}`);
    }
    parts.push(`${seconds} s`);
    const why = switches.length > 0 ? `  \nAnswered by ${parts[0]} after ${switches.join(', ')}.` : '';
    stream.markdown(`${FOOTER_MARK}${parts.join(' · ')}*${why}`);
    return { metadata: { providerId: answeredBy.providerId, model: answeredBy.model } satisfies SwitchboardChatMetadata };
  };
  const participant = vscode.chat.createChatParticipant(CHAT_PARTICIPANT_ID, handler);
  participant.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
  return participant;
}
