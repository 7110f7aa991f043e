// Runs inside each of two VS Code windows (extension hosts) on one code-server, driven by
// test/ui/windows.test.ts through files in the workspace folder: says it is ready, fires 20
// requests at once when told, writes what happened, then waits until its ledger holds every
// request of both windows, exactly once.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { isProviderError } from '../../src/core';
import { testingApi, until } from '../integration/support';

interface Plan {
  providerId: string;
  model: string;
  /** Requests each window fires at once. */
  requests: number;
}

const waitForFile = (file: string, what: string) => until(() => (existsSync(file) ? true : undefined), what, 120_000);

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  if (!folder) throw new Error('no workspace folder');
  const plan = JSON.parse(readFileSync(join(folder, 'plan.json'), 'utf8')) as Plan;
  const me = `window-${process.pid}`;
  const { registry, cost, statusBar, refreshStatusBar } = await testingApi();
  await until(() => registry.get(plan.providerId), `provider ${plan.providerId} from the settings`);
  await until(() => (cost.budgetUse().length === 1 ? true : undefined), 'the budget from the settings');
  writeFileSync(join(folder, `ready-${me}`), '');
  await waitForFile(join(folder, 'go'), 'the go-ahead');

  const outcomes = await Promise.all(
    Array.from({ length: plan.requests }, async () => {
      try {
        for await (const event of cost
          .meteredProvider(plan.providerId, 'language-model')
          .chat({ model: plan.model, messages: [{ role: 'user', content: 'Count to three' }], maxTokens: 1000 }))
          void event;
        return 'answered';
      } catch (error) {
        return isProviderError(error) || (error instanceof Error && error.name === 'ProviderError')
          ? `${(error as { code?: string }).code ?? (error as { kind?: string }).kind}`
          : String(error);
      }
    }),
  );
  const count = (outcome: string) => outcomes.filter((item) => item === outcome).length;
  await cost.ledger.flush();
  writeFileSync(
    join(folder, `result-${me}.json`),
    JSON.stringify({
      answered: count('answered'),
      refused: count('budget_stop'),
      other: outcomes.filter((item) => item !== 'answered' && item !== 'budget_stop'),
    }),
  );

  // Both windows' records, each once: the test says how many the provider answered in all.
  await waitForFile(join(folder, 'expect.json'), 'the expected totals');
  const expected = JSON.parse(readFileSync(join(folder, 'expect.json'), 'utf8')) as { requests: number };
  const today = new Date().toLocaleDateString('sv-SE');
  const totals = () => cost.ledger.totals({ from: today, to: today }).get('all');
  await until(
    async () => {
      await cost.ledger.refresh();
      return (totals()?.requests ?? 0) >= expected.requests ? true : undefined;
    },
    `${expected.requests} requests in this window's ledger`,
    60_000,
  );
  refreshStatusBar();
  writeFileSync(
    join(folder, `final-${me}.json`),
    JSON.stringify({ requests: totals()?.requests, usd: totals()?.usd, statusBar: statusBar.text }),
  );
  await waitForFile(join(folder, 'done'), 'the end of the test');
}
