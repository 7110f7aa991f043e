import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import { PANEL_VIEW_TYPE } from '../../src/panel';
import { extension, testingApi, until } from './support';

interface Manifest {
  activationEvents: string[];
  contributes: {
    commands: Array<{ command: string; category?: string }>;
    views: Record<string, Array<{ id: string }>>;
  };
}

function panelTabs(): vscode.Tab[] {
  return vscode.window.tabGroups.all
    .flatMap((group) => group.tabs)
    .filter((tab) => tab.input instanceof vscode.TabInputWebview && tab.input.viewType.endsWith(PANEL_VIEW_TYPE));
}

describe('Switchboard in the extension host', () => {
  it('activates by itself after startup (onStartupFinished), without being asked', async () => {
    const manifest = extension().packageJSON as Manifest;
    assert.deepEqual(manifest.activationEvents, ['onStartupFinished']);
    await until(() => (extension().isActive ? true : undefined), 'activation on startup finished', 20_000);
  });

  it("runs without VS Code's built-in Copilot Chat, which reaches for the internet", () => {
    assert.equal(vscode.extensions.getExtension('GitHub.copilot-chat'), undefined);
  });

  it('registers every contributed command at activation, and contributes every command it registers', async () => {
    await testingApi();
    const manifest = extension().packageJSON as Manifest;
    const contributed = manifest.contributes.commands.map((entry) => entry.command).sort();
    // VS Code itself registers `<viewId>.focus` and the like for contributed views.
    const viewIds = Object.values(manifest.contributes.views)
      .flat()
      .map((view) => `${view.id}.`);
    const registered = (await vscode.commands.getCommands(true))
      .filter((id) => id.startsWith('switchboard.') && !viewIds.some((prefix) => id.startsWith(prefix)))
      .sort();
    assert.deepEqual(registered, contributed);
    assert.deepEqual(Object.values(Commands).sort(), contributed);
    for (const entry of manifest.contributes.commands) assert.equal(entry.category, 'Switchboard', entry.command);
  });

  it('round-trips a key through the real SecretStorage and reports each change', async () => {
    const { secrets } = await testingApi();
    const providerId = `round-trip-${Date.now()}`;
    const value = `sk-test-${Math.random().toString(36).slice(2)}`;
    const changes: string[] = [];
    const subscription = secrets.onDidChange((key) => changes.push(key));
    try {
      assert.equal(await secrets.get(providerId), undefined);
      await secrets.store(providerId, value);
      assert.equal(await secrets.get(providerId), value);
      await until(() => (changes.includes(providerId) ? true : undefined), 'a change event for the stored key');
      await secrets.delete(providerId);
      assert.equal(await secrets.get(providerId), undefined);
      await until(
        () => (changes.filter((key) => key === providerId).length >= 2 ? true : undefined),
        'a change event for the deletion',
      );
    } finally {
      subscription.dispose();
      await secrets.delete(providerId);
    }
  });

  it('writes redacted lines to the Switchboard log', async () => {
    const { log, redactor, logUri } = await testingApi();
    const secret = `canary-${Math.random().toString(36).slice(2)}-secret`;
    redactor.addSecret(secret);
    const marker = `redaction-check-${Date.now()}`;
    log.info(`${marker} key=${secret} Authorization: Bearer ${secret}`);
    // Output-channel log files live under the extension host's log folder; search it rather than
    // depend on VS Code's internal file naming.
    const hostLogs = dirname(logUri.fsPath);
    const line = await until(async () => {
      const files = (await readdir(hostLogs, { recursive: true })).filter((file) => file.endsWith('.log'));
      for (const file of files) {
        const text = await readFile(join(hostLogs, file), 'utf8').catch(() => '');
        const found = text.split('\n').find((entry) => entry.includes(marker));
        if (found) return found;
      }
      return undefined;
    }, 'the marker line in a Switchboard log file');
    assert.ok(!line.includes(secret), line);
    assert.match(line, /\[info\] redaction-check-\d+ key=\[REDACTED\] Authorization: Bearer \[REDACTED\]$/);
  });

  it('opens the provider panel once and re-focuses it when asked again', async () => {
    await testingApi();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand(Commands.openPanel);
    await until(() => (panelTabs().length === 1 ? true : undefined), 'the provider panel tab');
    await vscode.commands.executeCommand(Commands.openPanel);
    assert.equal(panelTabs().length, 1);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await until(() => (panelTabs().length === 0 ? true : undefined), 'the panel to close');
  });
});
