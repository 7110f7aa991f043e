import { homedir } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import * as vscode from 'vscode';
import { MAX_FOREIGN_FILE_CHARS } from '../core/registry/foreign';

/** A file another tool keeps its setup in, offered for import when it exists. */
export interface ToolFile {
  /** e.g. "Continue config.yaml". */
  label: string;
  uri: vscode.Uri;
}

/** LiteLLM proxy configurations in a workspace folder: offered only when they have a `model_list`. */
const LITELLM_NAMES = ['config.yaml', 'proxy_config.yaml', 'litellm_config.yaml', 'litellm.yaml'];

/**
 * Where each tool keeps its file by default. Continue: `~/.continue` (or `CONTINUE_GLOBAL_DIR`, as
 * Continue itself reads it); Roo Code and Kilo Code: the file their Export proposes in ~/Documents;
 * VS Code: `chatLanguageModels.json` in the user folder, which holds global storage
 * (`…/User/globalStorage/<extension>`); LiteLLM: a workspace folder's proxy config, trusted workspaces
 * only (a file someone else committed should be chosen on purpose, not offered).
 */
export function wellKnownFiles(globalStorageUri: vscode.Uri): Array<ToolFile & { litellm?: true }> {
  const home = vscode.Uri.file(homedir());
  const globalDir = process.env.CONTINUE_GLOBAL_DIR;
  const continueDir = globalDir
    ? vscode.Uri.file(isAbsolute(globalDir) ? globalDir : resolve(globalDir))
    : vscode.Uri.joinPath(home, '.continue');
  const files: Array<ToolFile & { litellm?: true }> = [
    { label: 'Continue config.yaml', uri: vscode.Uri.joinPath(continueDir, 'config.yaml') },
    { label: 'Continue config.json', uri: vscode.Uri.joinPath(continueDir, 'config.json') },
    { label: 'Roo Code settings export', uri: vscode.Uri.joinPath(home, 'Documents', 'roo-code-settings.json') },
    { label: 'Kilo Code settings export', uri: vscode.Uri.joinPath(home, 'Documents', 'kilo-code-settings.json') },
  ];
  const storage = vscode.Uri.joinPath(globalStorageUri, '..');
  if (storage.path.endsWith('/globalStorage'))
    files.push({
      label: "VS Code's chatLanguageModels.json",
      uri: vscode.Uri.joinPath(storage, '..', 'chatLanguageModels.json'),
    });
  if (vscode.workspace.isTrusted)
    for (const folder of vscode.workspace.workspaceFolders ?? [])
      for (const name of LITELLM_NAMES)
        files.push({ label: `LiteLLM ${name}`, uri: vscode.Uri.joinPath(folder.uri, name), litellm: true });
  return files;
}

/** The well-known files that exist (and, for a LiteLLM name, that are LiteLLM configurations). */
export async function existingToolFiles(globalStorageUri: vscode.Uri): Promise<ToolFile[]> {
  const found = await Promise.all(
    wellKnownFiles(globalStorageUri).map(async ({ litellm, ...file }) => {
      try {
        const stat = await vscode.workspace.fs.stat(file.uri);
        if (stat.type !== vscode.FileType.File) return [];
        if (!litellm) return [file];
        if (stat.size > MAX_FOREIGN_FILE_CHARS) return [];
        const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file.uri));
        return /^model_list\s*:/m.test(text) ? [file] : [];
      } catch {
        return [];
      }
    }),
  );
  return found.flat();
}

/**
 * A file's text, refused when it is larger than an import reads: its size is looked up first, so an
 * oversized file is never read whole. Errors name the file, never its content.
 */
export async function readToolFile(uri: vscode.Uri, fileName: string): Promise<{ text: string } | { error: string }> {
  try {
    const { size } = await vscode.workspace.fs.stat(uri);
    if (size > MAX_FOREIGN_FILE_CHARS)
      return {
        error: `${fileName}: ${size.toLocaleString('en-US')} bytes; a file to import may hold at most ${MAX_FOREIGN_FILE_CHARS.toLocaleString('en-US')} characters`,
      };
    return { text: new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)) };
  } catch (error) {
    const reason =
      error instanceof vscode.FileSystemError && error.code === 'FileNotFound'
        ? 'no such file'
        : error instanceof Error
          ? error.message
          : String(error);
    return { error: `${fileName}: could not be read (${reason})` };
  }
}
