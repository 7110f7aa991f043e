import * as vscode from 'vscode';
import { formatUsd as usd, periodKey } from '../core';
import { Commands } from '../platform/commands';
import type { GatewayComparison, Services } from '../services';

const DAY_MS = 86_400_000;
const day = (at: number) => periodKey('daily', at);

/** The comparison as a report: each day's records beside the gateway's log, and the difference. */
export function comparisonReport(providerName: string, comparison: GatewayComparison): string {
  const signed = (value: number) => `${value < 0 ? '−' : value > 0 ? '+' : ''}${usd(Math.abs(value))}`;
  return [
    `# ${providerName}: this machine's records and the gateway's spend log`,
    '',
    `${comparison.from} to ${comparison.to}. The difference is the gateway's figure minus this machine's: positive when the key spent more than this machine recorded (another machine using the same key, or a request not recorded here).`,
    '',
    '| Day | Recorded here | Gateway | Difference |',
    '| --- | ---: | ---: | ---: |',
    ...comparison.days.map(
      (row) => `| ${row.day} | ${usd(row.recordedUsd)} | ${usd(row.gatewayUsd)} | ${signed(row.differenceUsd)} |`,
    ),
    `| **Total** | **${usd(comparison.recordedUsd)}** | **${usd(comparison.gatewayUsd)}** | **${signed(comparison.differenceUsd)}** |`,
    ...(comparison.skipped > 0 ? ['', `${comparison.skipped} rows of the gateway's log could not be read.`] : []),
    '',
  ].join('\n');
}

/** Refresh Team Gateway, and Compare Spend with Team Gateway. */
export function gatewayCommands({ cost, dialogs, registry }: Services) {
  const pickGateway = async (providerId: unknown): Promise<{ id: string; name: string } | undefined> => {
    const gateways = cost.gateways.gatewayProviders();
    if (typeof providerId === 'string') return gateways.find((gateway) => gateway.id === providerId);
    if (gateways.length === 0) {
      void dialogs.info(
        'Switchboard: no team gateway is set up. Add a LiteLLM proxy or OpenRouter provider (Switchboard: Add Provider).',
      );
      return undefined;
    }
    if (gateways.length === 1) return gateways[0];
    return (
      await dialogs.pick(
        gateways.map((gateway) => ({ label: gateway.name, gateway })),
        { title: 'Which gateway?' },
      )
    )?.gateway;
  };
  return {
    [Commands.refreshGateway]: async function refreshGateway(args?: { providerId?: unknown }) {
      const gateway = args?.providerId === undefined ? undefined : await pickGateway(args.providerId);
      await cost.gateways.refresh(gateway?.id);
      const lines = (gateway ? [gateway] : cost.gateways.gatewayProviders()).flatMap(({ id, name }) =>
        cost.gateways.lines(id).map((line) => `${name}: ${line}`),
      );
      return lines;
    },
    [Commands.compareGatewaySpend]: async function compareGatewaySpend(args?: {
      providerId?: unknown;
      from?: unknown;
      to?: unknown;
    }) {
      const gateway = await pickGateway(args?.providerId);
      if (!gateway) return undefined;
      const now = Date.now();
      let range: { from: string; to: string } | undefined =
        typeof args?.from === 'string' && typeof args.to === 'string' ? { from: args.from, to: args.to } : undefined;
      if (!range) {
        const monthStart = new Date(new Date(now).getFullYear(), new Date(now).getMonth(), 1).getTime();
        range = (
          await dialogs.pick(
            [
              { label: 'This month', range: { from: day(monthStart), to: day(now) } },
              { label: 'Last 7 days', range: { from: day(now - 6 * DAY_MS), to: day(now) } },
              { label: 'Last 30 days', range: { from: day(now - 29 * DAY_MS), to: day(now) } },
            ],
            { title: 'Compare which days?' },
          )
        )?.range;
        if (!range) return undefined;
      }
      const comparison = await cost.gateways.compare(gateway.id, range.from, range.to);
      if (!comparison) {
        void dialogs.info(
          `Switchboard: ${gateway.name} keeps no spend log this key may read (a LiteLLM proxy's /spend/logs, where the key is allowed to read it; OpenRouter has none).`,
        );
        return undefined;
      }
      const name = registry.get(gateway.id)?.name ?? gateway.name;
      const document = await vscode.workspace.openTextDocument({
        content: comparisonReport(name, comparison),
        language: 'markdown',
      });
      await vscode.commands.executeCommand('markdown.showPreview', document.uri);
      return comparison;
    },
  };
}
