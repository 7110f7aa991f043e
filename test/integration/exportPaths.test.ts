// "Export Configuration" and "Export Usage" propose a file in the workspace folder (or the home
// folder), never the filesystem root: the proposed file as the save dialog is opened with it.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { Commands } from '../../src/platform/commands';
import { testingApi } from './support';

describe('the export commands propose a file where the user works', () => {
  it('Export Configuration and Export Usage propose their file in the workspace folder, and save where the user says', async () => {
    const { dialogs } = await testingApi();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    assert.ok(folder, 'the test host opens a folder');
    const target = join(tmpdir(), `switchboard-export-${Date.now()}`);
    const before = dialogs.saved.length;
    const configuration = dialogs.answer(/^Export \(without keys\)$/, `${target}.json`);
    const usage = dialogs.answer(/^Export Usage$/, `${target}.csv`);
    try {
      await vscode.commands.executeCommand(Commands.exportConfiguration);
      await vscode.commands.executeCommand(Commands.exportUsage, { format: 'csv' });
    } finally {
      configuration.dispose();
      usage.dispose();
    }
    const proposed = dialogs.saved.slice(before).map((options) => options.defaultUri?.toString());
    assert.deepEqual(proposed, [
      vscode.Uri.joinPath(folder, 'switchboard-providers.json').toString(),
      vscode.Uri.joinPath(folder, 'switchboard-usage.csv').toString(),
    ]);
    // Written where the dialog's answer said.
    for (const file of [`${target}.json`, `${target}.csv`])
      assert.ok((await vscode.workspace.fs.stat(vscode.Uri.file(file))).size > 0, file);
  });
});
