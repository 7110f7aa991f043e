import * as vscode from 'vscode';
import { findTemplate, formatPerMillion } from '../core';
// Not through the core's barrel: imported from there, the readers would load at activation, not with this command.
import {
  candidateInput,
  readForeignConfig,
  type ForeignCandidate,
  type ForeignImport,
  type ForeignModel,
} from '../core/registry/foreign';
import type { LiveItems } from '../platform/dialogs';
import type { Services } from '../services';
import { existingToolFiles, readToolFile } from './importLocations';

export const CHOOSE_FILE_LABEL = '$(folder-opened) Choose a file…';
export const IMPORT_TITLE = 'Import from Another Tool';

interface ReviewRow extends vscode.QuickPickItem {
  candidate?: ForeignCandidate;
}

/** What an import added (provider ids) and which of them took the key the file held; undefined when cancelled. */
export type ImportFromToolResult = { added: string[]; keysMoved: string[]; skipped: string[] } | { errors: string[] };

/**
 * "Import from Another Tool": reads Continue's, Roo Code's, Kilo Code's, VS Code's or a LiteLLM proxy's
 * file, shows every provider it found in one review, and adds the ones the user keeps ticked through
 * the registry's own add (fresh ids, never replacing a provider; only a first provider becomes the
 * default). A key the file holds in plain text moves into secret storage only when the user says so
 * for that provider, and goes nowhere else. `uri` skips the question of which file.
 */
/** "Import from Another Tool": `given` is a file the caller chose (tests, another command); else the user picks one. */
export async function importFromTool(
  services: Services,
  globalStorageUri: vscode.Uri,
  given: vscode.Uri | undefined,
): Promise<ImportFromToolResult | undefined> {
  const { dialogs, log, redactor } = services;
  const uri = given instanceof vscode.Uri ? given : await chooseFile(services, globalStorageUri);
  if (!uri) return undefined;
  const fileName = vscode.workspace.asRelativePath(uri);
  const read = await readToolFile(uri, fileName);
  const parsed =
    'error' in read ? { ok: false as const, errors: [read.error] } : await readForeignConfig(fileName, read.text);
  if (!parsed.ok) {
    // The same report as Switchboard's own import: the first problem shown, every one in the log.
    for (const error of parsed.errors) log.warn(error);
    void dialogs.error(
      `Nothing was imported: ${parsed.errors[0]}${parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more problems, see the log)` : ''}`,
    );
    return { errors: parsed.errors };
  }
  const found = parsed.value;
  // Whatever happens next, no log line or message can show a key the file holds.
  for (const candidate of found.candidates) if (candidate.key.kind === 'plain') redactor.addSecret(candidate.key.value);
  log.info(`import from ${fileName} (${found.source}): ${found.candidates.length} provider(s) found`);
  for (const candidate of found.candidates)
    for (const warning of candidate.warnings) log.info(`import: ${candidate.name}: ${warning}`);
  for (const skipped of found.skipped) log.info(`import: not imported: ${skipped}`);
  if (found.candidates.length === 0) {
    void dialogs.info(
      `${fileName} (${found.source}) has no provider Switchboard can add${found.skipped.length > 0 ? `: ${found.skipped[0]}${found.skipped.length > 1 ? ` (and ${found.skipped.length - 1} more, see the log)` : ''}` : '.'}`,
    );
    return { added: [], keysMoved: [], skipped: found.skipped };
  }

  const chosen = await review(services, fileName, found);
  if (!chosen) return undefined;
  // One explicit choice per provider; anything but "Move Key" leaves the key where it is.
  const moving = new Set<ForeignCandidate>();
  for (const candidate of chosen)
    if (
      candidate.key.kind === 'plain' &&
      (await dialogs.confirm(
        `${candidate.name}: ${fileName} holds its API key in plain text. Move the key into VS Code's secret storage?`,
        'Move Key',
        `Switchboard would keep it in secret storage only, sent only to ${new URL(candidate.baseUrl).origin}. ${fileName} keeps its copy until you remove it. Without it, set a key later with "Switchboard: Set API Key".`,
      ))
    )
      moving.add(candidate);

  const added = await addAll(services, chosen, moving);
  const keysMoved = added.filter(({ candidate }) => moving.has(candidate)).map(({ id }) => id);
  await services.registry.noteImport(
    `${added.length} provider(s) from ${found.source} (${fileName.split(/[\\/]/).pop()}): ${added.map(({ id }) => id).join(', ')}; keys moved into secret storage: ${keysMoved.length > 0 ? keysMoved.join(', ') : 'none'}`,
  );
  announce(services, fileName, added, moving);
  return { added: added.map(({ id }) => id), keysMoved, skipped: found.skipped };
}

/** The well-known files that exist, and "Choose a file…"; with none found, the open dialog straight away. */
async function chooseFile({ dialogs }: Services, globalStorageUri: vscode.Uri): Promise<vscode.Uri | undefined> {
  const open = () =>
    dialogs.openFile({
      title: `${IMPORT_TITLE}: Continue, Roo Code, Kilo Code, VS Code (chatLanguageModels.json) or LiteLLM`,
      openLabel: 'Read',
      filters: { 'Settings files': ['yaml', 'yml', 'json', 'jsonc'], 'All files': ['*'] },
    });
  const files = await existingToolFiles(globalStorageUri);
  if (files.length === 0) return open();
  const picked = await dialogs.pick(
    [
      ...files.map((file) => ({ label: file.label, description: displayPath(file.uri), uri: file.uri })),
      { label: CHOOSE_FILE_LABEL, description: 'another file', uri: undefined },
    ],
    { title: IMPORT_TITLE, placeHolder: 'Which file? Nothing is added before you review what it holds.' },
  );
  if (!picked) return undefined;
  return picked.uri ?? open();
}

const displayPath = (uri: vscode.Uri) => (uri.scheme === 'file' ? uri.fsPath : uri.toString(true));

/**
 * One multi-select list of what the file holds: each provider (ticked unless one at the same address
 * exists) with its models, prices and key, its warnings beneath it, and what is not imported and why.
 * Warning and skip rows cannot be ticked. Undefined: closed, nothing is added.
 */
async function review(
  { registry, dialogs }: Services,
  fileName: string,
  found: ForeignImport,
): Promise<ForeignCandidate[] | undefined> {
  const rows: ReviewRow[] = [];
  const ticked = new Set<ReviewRow>();
  for (const candidate of found.candidates) {
    const same = registry
      .list()
      .find((entry) => entry.template === candidate.template && entry.baseUrl === candidate.baseUrl);
    const row: ReviewRow = {
      label: candidate.name,
      description: `${findTemplate(candidate.template)?.name ?? candidate.template} · ${candidate.baseUrl}${same ? ` · you have ${same.name} at this address already` : ''}`,
      detail: `${describeModels(candidate.models)} · ${describeKey(candidate, fileName)}`,
      candidate,
    };
    rows.push(row);
    if (!same) ticked.add(row);
    for (const warning of candidate.warnings) rows.push({ label: `$(warning) ${warning}` });
  }
  if (found.skipped.length > 0) {
    rows.push({ label: 'Not imported', kind: vscode.QuickPickItemKind.Separator });
    for (const skipped of found.skipped) rows.push({ label: `$(circle-slash) ${skipped}` });
  }
  const changed = new vscode.EventEmitter<void>();
  const live: LiveItems<ReviewRow> = {
    items: rows,
    get selected() {
      return [...ticked];
    },
    busy: false,
    onDidChange: changed.event,
  };
  try {
    const picked = await dialogs.livePick(live, {
      title: `${IMPORT_TITLE}: ${found.source} (${fileName})`,
      placeholder: 'Tick the providers to add; nothing is added before you press Enter (Escape adds nothing)',
      matchOnDescription: true,
      canPickMany: true,
      onDidSelect: (selected, shown) => {
        for (const row of shown) if (row.candidate && !selected.includes(row)) ticked.delete(row);
        for (const row of selected) if (row.candidate) ticked.add(row);
        // A ticked warning or skip row is unticked again: only providers can be chosen.
        if (selected.some((row) => !row.candidate)) changed.fire();
      },
      accepts: (selected) => selected.some((row) => row.candidate),
    });
    return picked?.flatMap((row) => (row.candidate ? [row.candidate] : []));
  } finally {
    changed.dispose();
  }
}

/** "gpt-4o ($2.50 in · $10.00 out /M), o3", or that it has none yet. */
function describeModels(models: ForeignModel[]): string {
  if (models.length === 0) return 'no models yet (choose them after import)';
  return models
    .map(({ id, prices }) =>
      prices?.input !== undefined && prices.output !== undefined
        ? `${id} (${formatPerMillion(prices.input)} in · ${formatPerMillion(prices.output)} out /M)`
        : id,
    )
    .join(', ');
}

function describeKey({ key }: ForeignCandidate, fileName: string): string {
  if (key.kind === 'env') return `key: \${env:${key.name}}`;
  if (key.kind === 'plain') return `key: in ${fileName} in plain text (you choose whether to move it)`;
  return 'no key (set one after import if it needs one)';
}

/** Adds each chosen provider and its models; a plain key only when the user chose to move it. */
async function addAll(
  { registry }: Services,
  chosen: ForeignCandidate[],
  moving: Set<ForeignCandidate>,
): Promise<Array<{ id: string; candidate: ForeignCandidate }>> {
  const added: Array<{ id: string; candidate: ForeignCandidate }> = [];
  for (const candidate of chosen) {
    const { provider, models } = candidateInput(candidate);
    const { apiKey, ...rest } = provider;
    const entry = await registry.add(
      candidate.key.kind === 'plain' && !moving.has(candidate) ? rest : { ...rest, apiKey },
    );
    // The provider's own default is its first model; the global default moves only for a first provider (registry.add).
    if (models.length > 0) await registry.update(entry.id, { models, defaultModel: models[0]!.id });
    added.push({ id: entry.id, candidate });
  }
  return added;
}

/** What was added, and where the keys are: a file that still holds a key is named. */
function announce(
  { registry, dialogs }: Services,
  fileName: string,
  added: Array<{ id: string; candidate: ForeignCandidate }>,
  moving: Set<ForeignCandidate>,
): void {
  const names = (list: typeof added) => list.map(({ id }) => registry.get(id)?.name ?? id).join(', ');
  const withoutModels = added.filter(({ candidate }) => candidate.models.length === 0);
  const isDefault = added.some(({ id }) => registry.defaultProvider() === id);
  void dialogs.info(
    `Added ${added.length} provider(s) from ${fileName}: ${names(added)}.` +
      (isDefault
        ? ` ${registry.defaultModel() ?? 'No model'} is your default model.`
        : ` Your default model stays ${registry.defaultModel() ?? 'unset'}.`) +
      (withoutModels.length > 0
        ? ` ${names(withoutModels)}: no models yet; choose them with Switchboard: Edit Provider → Models.`
        : ''),
  );
  const moved = added.filter(({ candidate }) => moving.has(candidate));
  const left = added.filter(({ candidate }) => candidate.key.kind === 'plain' && !moving.has(candidate));
  if (moved.length + left.length === 0) return;
  void dialogs.warn(
    `${fileName} still holds the API key of ${names([...moved, ...left])} in plain text; remove it from there when you no longer use that tool.` +
      (moved.length > 0 ? ` Switchboard keeps its own copy for ${names(moved)} in VS Code's secret storage.` : '') +
      (left.length > 0 ? ` ${names(left)} was added without a key: set it with Switchboard: Set API Key.` : ''),
  );
}
