import type * as vscode from 'vscode';
import { formatUsd as usd, type ProviderError } from '../core';
import { abortSignalFor } from '../platform/cancellation';
import { history, readReferences } from './chatContext';
import { describeLeftOut, fit, priced, streamAnswer } from './answer';
import { failedWith, plainError } from './failure';
import { escapeMarkdown, FOOTER_MARK, type SwitchboardChatMetadata } from './metadata';
import { resolveModels, stepName } from './model';
import type { ChatSession } from './participant';

/** `/compare [model, model:] prompt`: the same prompt to each model in turn, then a table. */
export async function compare(
  session: ChatSession,
  request: vscode.ChatRequest,
  context: vscode.ChatContext,
  stream: vscode.ChatResponseStream,
  keep: SwitchboardChatMetadata,
  token: vscode.CancellationToken,
): Promise<vscode.ChatResult> {
  const { services } = session;
  const { registry, routing, cost, models: picker } = services;
  const metadata = { ...keep, command: 'compare' };
  const cancellation = abortSignalFor(token);
  const signal = cancellation.signal;
  try {
    // "gpt-4o, claude-sonnet-4-5: question" names the models; otherwise they are picked.
    const named = /^([^:\n]+):\s*([\s\S]+)$/.exec(request.prompt.trim());
    const wanted = named?.[1]!.split(/[\s,]+/).filter(Boolean) ?? [];
    // A model list is a few short words; "Explain this: …" is a prompt, not worth listing every provider's models for.
    const resolved = wanted.length >= 2 && wanted.length <= 6 ? await resolveModels(services, wanted, signal) : [];
    const byName =
      named && resolved.length >= 2 && resolved.every((found) => found.length === 1)
        ? resolved.map((found) => found[0]!)
        : undefined;
    const prompt = byName ? named![2]!.trim() : request.prompt.trim();
    if (!prompt) {
      stream.markdown(
        'Write the prompt after `/compare`, e.g. `/compare gpt-4o, claude-sonnet-4-5: Explain this regex`.',
      );
      return { metadata };
    }
    const chain = routing.steps().map((step) => ({ providerId: step.provider, modelId: step.model }));
    const models =
      byName ??
      (await picker.pick({
        title: 'Compare which models? (two or more)',
        canPickMany: true,
        selected: session.lastCompared ?? chain.slice(0, 2),
        signal,
      }));
    if (!models || models.length < 2) {
      stream.markdown(models ? 'Pick two or more models to compare.' : 'Nothing compared.');
      return { metadata };
    }
    session.lastCompared = models;
    const { attachments, unreadable, used } = await readReferences(request.references);
    for (const reference of used) stream.reference(reference);
    const rows: string[] = [];
    let totalUsd = 0;
    for (const model of models) {
      if (token.isCancellationRequested) break;
      const step = { provider: model.providerId, model: model.modelId };
      const label = escapeMarkdown(stepName(registry, step));
      stream.markdown(`### ${label}\n\n`);
      const { fitted, promptTokens, contextWindow } = await fit(services, step, history(context), prompt, attachments);
      const leftOut = describeLeftOut(fitted, unreadable, contextWindow);
      try {
        // One model each, no fallback: a comparison of what each one does.
        const outcome = await streamAnswer(services, stream, fitted.messages, [step], promptTokens, signal);
        const price = await priced(cost, outcome);
        totalUsd += price.usd ?? 0;
        const tokens = outcome.usage
          ? `${outcome.usage.inputTokens.toLocaleString()} / ${outcome.usage.outputTokens.toLocaleString()}`
          : '–';
        rows.push(`| ${label} | ${tokens} | ${price.text} | ${(outcome.ms / 1000).toFixed(1)} s |`);
        stream.markdown(leftOut ? `\n\n*${escapeMarkdown(leftOut)}.*\n\n` : '\n\n');
      } catch (error) {
        if (token.isCancellationRequested) break;
        stream.markdown(`\n\n*${escapeMarkdown(plainError(error))}*\n\n`);
        rows.push(
          `| ${label} | – | ${error instanceof Error && 'kind' in error ? failedWith(error as ProviderError) : 'failed'} | – |`,
        );
      }
    }
    if (rows.length > 0)
      stream.markdown(
        `${FOOTER_MARK}Compared*\n\n| Model | Tokens in / out | Cost | Time |\n| --- | ---: | ---: | ---: |\n${rows.join('\n')}\n\nTotal ${usd(totalUsd)}.`,
      );
    return { metadata };
  } finally {
    cancellation.dispose();
  }
}
