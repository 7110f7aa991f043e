import * as z from '../zod';
import { findTemplate } from '../templates';
import { inferTemplate } from './templateOf';
import {
  baseUrl,
  caBundlePath,
  describeIssues,
  headers,
  modelId,
  newChosenModel,
  newProviderEntry,
  providerEntry,
  providerId,
  sampling,
  timeouts,
  type ProviderEntry,
  type RegistryState,
} from './schema';
import { RegistryError } from './store';
import { teamPolicy, type TeamPolicy } from './teamPolicy';

/**
 * Configuration that travels: an export file, the `switchboard.providers` setting, and a team's
 * `.vscode/switchboard.json`. None of them ever holds a key; a key-like field is an error that
 * names the file and line.
 */

export const EXPORT_FORMAT = 'switchboard.providers';
export const EXPORT_VERSION = 1;

/** Field names that hold secrets, anywhere in an imported or declared file. */
const KEY_FIELD = /^(api[-_]?key|apikey|key|secret|token|access[-_]?token|authorization|password)$/i;

/** The most providers one file may hold: above it, a file is refused before it is validated. */
export const MAX_IMPORT_PROVIDERS = 100_000;
/** The deepest nesting a file may have (an export is about six deep; extraBody adds a few). */
export const MAX_FILE_DEPTH = 64;

const exportFile = z.strictObject({
  format: z.literal(EXPORT_FORMAT),
  version: z.literal(EXPORT_VERSION),
  exportedAt: z.string(),
  providers: z.array(newProviderEntry),
  defaultProvider: z.optional(z.string()),
});

/**
 * The registry as JSON, for a file the user keeps or shares. Keys are not part of the registry; a
 * provider stored before keys were refused in base URLs and headers is named, not exported with one.
 */
export function exportRegistry(state: RegistryState, now: Date = new Date()): string {
  const file: z.infer<typeof exportFile> = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    exportedAt: now.toISOString(),
    // Connection-test results describe this machine, not the configuration.
    providers: state.providers.map(({ lastTest: _lastTest, ...entry }) => entry),
    ...(state.defaultProvider ? { defaultProvider: state.defaultProvider } : {}),
  };
  // What is written must import again.
  const checked = exportFile.safeParse(file);
  if (!checked.success) throw new RegistryError(describeIssues(checked.error));
  return `${JSON.stringify(file, null, 2)}\n`;
}

/** Why a file was refused before its content was looked at. */
export type FileLimit = 'too-deep' | 'too-many-providers' | 'too-large';

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[]; limit?: FileLimit };

/** Refused fields located by line (each location reads the text up to it); the rest are counted. */
const MAX_LOCATED = 100;

/** 1-based line and column of a character offset. */
export function position(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return `line ${line}, column ${offset - before.lastIndexOf('\n')}`;
}

/** The offset where nesting first goes deeper than `limit`, found without parsing (so without recursion). */
export function tooDeepAt(text: string, limit: number): number | undefined {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index);
    if (inString) {
      if (char === 0x5c)
        index++; // a backslash escapes the next character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) inString = true;
    else if (char === 0x7b || char === 0x5b) {
      if (++depth > limit) return index;
    } else if (char === 0x7d || char === 0x5d) depth--;
  }
  return undefined;
}

/** JSON with the location of a syntax error, and of every key-like field (which is refused). */
function parseJson(text: string, fileName: string): ParseResult<unknown> {
  const deep = tooDeepAt(text, MAX_FILE_DEPTH);
  if (deep !== undefined)
    return {
      ok: false,
      limit: 'too-deep',
      errors: [
        `${fileName} (${position(text, deep)}): nested more than ${MAX_FILE_DEPTH} levels deep; a Switchboard file is never this deep`,
      ],
    };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    return {
      ok: false,
      errors: [`${fileName}${at ? ` (${position(text, Number(at[1]))})` : ''}: not valid JSON: ${message}`],
    };
  }
  const providers = typeof value === 'object' && value !== null && 'providers' in value ? value.providers : undefined;
  if (Array.isArray(providers) && providers.length > MAX_IMPORT_PROVIDERS) {
    return {
      ok: false,
      limit: 'too-many-providers',
      errors: [
        `${fileName}: providers: ${providers.length.toLocaleString('en-US')} providers; a file may hold at most ${MAX_IMPORT_PROVIDERS.toLocaleString('en-US')}`,
      ],
    };
  }
  const errors: string[] = [];
  // Each search for a refused field starts after the last one found: every occurrence is located once.
  let searchFrom = 0;
  let unlocated = 0;
  const visit = (node: unknown, path: string) => {
    if (Array.isArray(node)) node.forEach((item, index) => visit(item, `${path}[${index}]`));
    else if (typeof node === 'object' && node !== null) {
      for (const [name, child] of Object.entries(node)) {
        const here = path ? `${path}.${name}` : name;
        if (KEY_FIELD.test(name) && errors.length < MAX_LOCATED) {
          const offset = text.indexOf(`"${name}"`, searchFrom);
          if (offset >= 0) searchFrom = offset + 1;
          errors.push(
            `${fileName} (${position(text, Math.max(0, offset))}): ${here}: keys are never read from files; set them with "Switchboard: Set API Key"`,
          );
        } else if (KEY_FIELD.test(name)) unlocated++;
        visit(child, here);
      }
    }
  };
  visit(value, '');
  if (unlocated > 0) errors.push(`${fileName}: ${unlocated} more key fields`);
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value };
}

/** Validates an export file completely before anything changes; every problem is named with its path. */
export function parseExport(
  text: string,
  fileName = 'the file',
): ParseResult<{ providers: ProviderEntry[]; defaultProvider?: string }> {
  const json = parseJson(text, fileName);
  if (!json.ok) return json;
  const parsed = exportFile.safeParse(json.value);
  if (!parsed.success)
    return { ok: false, errors: describeIssues(parsed.error).map((issue) => `${fileName}: ${issue}`) };
  const seen = new Set<string>();
  const duplicate = parsed.data.providers.find(({ id }) => seen.size === seen.add(id).size);
  if (duplicate) return { ok: false, errors: [`${fileName}: providers: the id "${duplicate.id}" appears twice`] };
  return { ok: true, value: { providers: parsed.data.providers, defaultProvider: parsed.data.defaultProvider } };
}

/** What an import would do: entries to add, and entries that would replace existing ones (to ask about). */
export function planImport(
  current: RegistryState,
  incoming: ProviderEntry[],
): { add: ProviderEntry[]; conflicts: ProviderEntry[] } {
  const existing = new Set(current.providers.map((entry) => entry.id));
  return {
    add: incoming.filter((entry) => !existing.has(entry.id)),
    conflicts: incoming.filter((entry) => existing.has(entry.id)),
  };
}

export interface ImportCounts {
  added: number;
  replaced: number;
  skipped: number;
}

/**
 * Adds imported entries to `state` (the copy an update changes); existing ids are replaced only when
 * `replaceExisting`. Keys are never imported. Returns the counts and the ids of the entries replaced.
 */
export function applyImport(
  state: RegistryState,
  entries: ProviderEntry[],
  replaceExisting: boolean,
  now: number,
): { counts: ImportCounts; replaced: string[] } {
  const counts = { added: 0, replaced: 0, skipped: 0 };
  const replaced: string[] = [];
  // One lookup per entry: a search of the list for each made 40,000 providers take seconds.
  const at = new Map(state.providers.map((entry, index) => [entry.id, index]));
  for (const entry of entries) {
    // One without a template is taken for the one its type and address name, as a declared one is.
    const inferred = entry.template ? undefined : inferTemplate(entry.type, entry.baseUrl);
    const incoming = inferred ? { ...entry, template: inferred.id } : entry;
    const index = at.get(incoming.id);
    if (index === undefined) {
      at.set(incoming.id, state.providers.push({ ...incoming, updatedAt: now }) - 1);
      counts.added++;
    } else if (replaceExisting) {
      state.providers[index] = { ...incoming, updatedAt: now };
      replaced.push(incoming.id);
      counts.replaced++;
    } else counts.skipped++;
  }
  state.defaultProvider ??= state.providers[0]?.id;
  return { counts, replaced };
}

/** A provider declared in settings or a workspace file: a template fills what it leaves out. */
export const declaredProvider = z.strictObject({
  id: providerId,
  name: z.optional(z.string().check(z.minLength(1), z.maxLength(100))),
  template: z.optional(z.string()),
  type: z.optional(providerEntry.shape.type),
  baseUrl: z.optional(baseUrl),
  apiVersion: z.optional(z.string()),
  headers: z.optional(headers),
  local: z.optional(z.boolean()),
  // Nothing secret: a CA bundle's path, timeouts and sampling may be declared (secret headers may not).
  caBundlePath: z.optional(caBundlePath),
  timeouts: z.optional(timeouts),
  sampling: z.optional(sampling),
  models: z.optional(z.array(newChosenModel)),
  defaultModel: z.optional(modelId),
  enabled: z.optional(z.boolean()),
});

export const workspaceFile = z.strictObject({
  $schema: z.optional(z.string()),
  providers: z.optional(z.array(declaredProvider)),
  fallback: z.optional(z.array(z.strictObject({ provider: providerId, model: modelId }))),
  /** The team's ceilings for each provider: allowed models, a team budget, OpenRouter's data policy. */
  policy: z.optional(teamPolicy),
});

export type ProviderSource = 'user' | 'settings' | 'workspace';
export type SourcedEntry = ProviderEntry & { source: ProviderSource; readOnly: boolean };

/** Turns declared providers into entries, completing them from their templates. */
export function resolveDeclared(
  declared: Array<z.infer<typeof declaredProvider>>,
  where: string,
): ParseResult<ProviderEntry[]> {
  const errors: string[] = [];
  const entries: ProviderEntry[] = [];
  declared.forEach((item, index) => {
    const template = item.template ? findTemplate(item.template) : undefined;
    if (item.template && !template)
      errors.push(`${where}: providers[${index}].template: unknown template "${item.template}"`);
    const type = item.type ?? template?.type;
    const baseUrl = item.baseUrl ?? template?.baseUrl;
    if (!type) errors.push(`${where}: providers[${index}].type: needed when there is no template`);
    if (!baseUrl) errors.push(`${where}: providers[${index}].baseUrl: needed when the template has none`);
    if (!type || !baseUrl) return;
    // Without a template, the one its type and address name: its key, prices and listing as if it had said so.
    const taken = template ?? (item.template ? undefined : inferTemplate(type, baseUrl));
    entries.push({
      id: item.id,
      name: item.name ?? template?.name ?? item.id,
      ...(taken ? { template: taken.id } : {}),
      type,
      baseUrl,
      ...(item.apiVersion ? { apiVersion: item.apiVersion } : {}),
      ...(item.headers ? { headers: item.headers } : {}),
      ...(item.local !== undefined ? { local: item.local } : {}),
      ...(item.caBundlePath ? { caBundlePath: item.caBundlePath } : {}),
      ...(item.timeouts ? { timeouts: item.timeouts } : {}),
      ...(item.sampling ? { sampling: item.sampling } : {}),
      enabled: item.enabled ?? true,
      models: item.models ?? [],
      ...(item.defaultModel ? { defaultModel: item.defaultModel } : {}),
      createdAt: 0,
      updatedAt: 0,
    });
  });
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: entries };
}

/** A team's `.vscode/switchboard.json`, checked in full; keys in it are refused with file and line. */
export function parseWorkspaceFile(
  text: string,
  fileName: string,
): ParseResult<{
  providers: ProviderEntry[];
  fallback: Array<{ provider: string; model: string }>;
  policy: TeamPolicy;
}> {
  const json = parseJson(text, fileName);
  if (!json.ok) return json;
  const parsed = workspaceFile.safeParse(json.value);
  if (!parsed.success)
    return { ok: false, errors: describeIssues(parsed.error).map((issue) => `${fileName}: ${issue}`) };
  const providers = resolveDeclared(parsed.data.providers ?? [], fileName);
  if (!providers.ok) return providers;
  return {
    ok: true,
    value: { providers: providers.value, fallback: parsed.data.fallback ?? [], policy: parsed.data.policy ?? {} },
  };
}

/**
 * One list from the three places providers come from. On the same id the user's own entry wins,
 * then settings, then the workspace file; entries from settings and the workspace are read-only.
 */
export function mergeLayers(layers: {
  user: ProviderEntry[];
  settings: ProviderEntry[];
  workspace: ProviderEntry[];
}): SourcedEntry[] {
  const merged = new Map<string, SourcedEntry>();
  for (const [source, entries] of [
    ['workspace', layers.workspace],
    ['settings', layers.settings],
    ['user', layers.user],
  ] as const) {
    for (const entry of entries) merged.set(entry.id, { ...entry, source, readOnly: source !== 'user' });
  }
  return [...merged.values()];
}
