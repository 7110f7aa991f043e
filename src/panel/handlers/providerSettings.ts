import * as vscode from 'vscode';
import { looksLikeKey, SECRET_HEADER } from '../../core';
import type { PanelHeader, PanelProviderSettings } from '../../shared/protocol';
import { providerEntry, writable, type Handlers } from '../handler';

/** OpenAI's organization and project headers: the panel shows them as fields of their own. */
const ORGANIZATION = 'OpenAI-Organization';
const PROJECT = 'OpenAI-Project';
const isNamed = (name: string, wanted: string) => name.toLowerCase() === wanted.toLowerCase();

/**
 * A provider's settings beyond its address and key: request headers (a secret one's value in secret
 * storage, shown as a mask), OpenAI organization and project, default sampling, timeouts, CA bundle.
 */
export const providerSettingsHandlers: Handlers<'providerSettings' | 'saveProviderSettings' | 'chooseCaBundle'> = {
  async providerSettings({ providerId }, { registry }) {
    const entry = providerEntry(registry, providerId);
    const plain = Object.entries(entry.headers ?? {});
    const masks = await registry.secretHeaderMasks(entry.id);
    const headers: PanelHeader[] = [
      ...plain
        .filter(([name]) => !isNamed(name, ORGANIZATION) && !isNamed(name, PROJECT))
        .map(([name, value]) => ({ name, value, secret: false })),
      ...(entry.secretHeaders ?? []).map((name) => ({
        name,
        secret: true,
        ...(masks[name] ? { mask: masks[name] } : {}),
      })),
    ];
    const organization = plain.find(([name]) => isNamed(name, ORGANIZATION))?.[1];
    const project = plain.find(([name]) => isNamed(name, PROJECT))?.[1];
    return {
      headers,
      ...(organization ? { organization } : {}),
      ...(project ? { project } : {}),
      sampling: entry.sampling ?? {},
      timeouts: entry.timeouts ?? {},
      ...(entry.caBundlePath ? { caBundlePath: entry.caBundlePath } : {}),
    };
  },
  async saveProviderSettings({ providerId, ...settings }, { registry }) {
    const entry = writable(providerEntry(registry, providerId), ': change it there.');
    const { plain, secret } = splitHeaders(settings);
    if (settings.caBundlePath) await checkCaBundle(settings.caBundlePath);
    const defined = <T extends object>(value: T) =>
      Object.values(value).some((field) => field !== undefined) ? value : undefined;
    await registry.update(entry.id, {
      headers: Object.keys(plain).length > 0 ? plain : undefined,
      sampling: defined(settings.sampling),
      timeouts: defined(settings.timeouts),
      caBundlePath: settings.caBundlePath,
    });
    await registry.setSecretHeaders(entry.id, secret);
    return null;
  },
  async chooseCaBundle({ providerId }, { registry, dialogs }) {
    const entry = writable(providerEntry(registry, providerId), ': change it there.');
    const current = entry.caBundlePath ? vscode.Uri.file(entry.caBundlePath) : undefined;
    const chosen = await dialogs.openFile({
      title: `CA bundle for ${entry.name}`,
      openLabel: 'Use as CA Bundle',
      canSelectFiles: true,
      canSelectFolders: false,
      filters: { 'PEM certificates': ['pem', 'crt', 'cer'], 'All files': ['*'] },
      ...(current ? { defaultUri: current } : {}),
    });
    if (!chosen) return null;
    // Said now rather than at Save; Save checks it again (the file may change meanwhile).
    await checkCaBundle(chosen.fsPath);
    return chosen.fsPath;
  },
};

/**
 * Plain headers (kept on the provider, in plain text) and secret ones (values to secret storage). A
 * header named like a credential is secret whatever the box says; a key-shaped value in a plain one is
 * refused, with the way to keep it.
 */
function splitHeaders(settings: PanelProviderSettings): {
  plain: Record<string, string>;
  secret: Array<{ name: string; value?: string }>;
} {
  const plain: Record<string, string> = {};
  const secret: Array<{ name: string; value?: string }> = [];
  const seen = new Set<string>();
  const rows = [
    ...settings.headers,
    ...(settings.organization ? [{ name: ORGANIZATION, value: settings.organization, secret: false }] : []),
    ...(settings.project ? [{ name: PROJECT, value: settings.project, secret: false }] : []),
  ];
  for (const row of rows) {
    const lower = row.name.toLowerCase();
    if (seen.has(lower)) throw new Error(`The header ${row.name} is given twice.`);
    seen.add(lower);
    const value = row.value?.trim();
    if (row.secret || SECRET_HEADER.test(row.name)) secret.push({ name: row.name, ...(value ? { value } : {}) });
    else if (value && looksLikeKey(value))
      throw new Error(
        `${row.name}: this looks like a key. Mark the header secret: its value then goes to VS Code's secret storage, not the settings.`,
      );
    else if (value) plain[row.name] = value;
  }
  return { plain, secret };
}

/** The CA bundle must be a PEM certificate file this machine can read. */
async function checkCaBundle(path: string): Promise<void> {
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(vscode.Uri.file(path)));
  } catch {
    throw new Error(`CA bundle: ${path} cannot be read.`);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----'))
    throw new Error(`CA bundle: ${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----).`);
}
