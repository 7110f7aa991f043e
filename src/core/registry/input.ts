import * as z from '../zod';
import { findTemplate } from '../templates';
import { describeIssues, modelId as modelIdRule, newProviderEntry, type ProviderEntry } from './schema';
import { RegistryError } from './store';

/**
 * What the registry takes from its callers (the panel, commands, imports), checked with the rules
 * for new input before anything is stored: a new provider, a patch of one, a default model choice,
 * the id a new provider gets, and a draft the add wizard tests before it is saved.
 */

export interface NewProvider {
  /** A template id (see templates.ts) or 'custom'. */
  template: string;
  name?: string;
  baseUrl?: string;
  apiVersion?: string;
  headers?: Record<string, string>;
  caBundlePath?: string;
  timeouts?: ProviderEntry['timeouts'];
  sampling?: ProviderEntry['sampling'];
  /** Stored in secret storage, bound to the base URL's origin. */
  apiKey?: string;
}

const PATCH_FIELDS = [
  'name',
  'baseUrl',
  'apiVersion',
  'headers',
  'secretHeaders',
  'caBundlePath',
  'timeouts',
  'sampling',
  'models',
  'defaultModel',
] as const;
export type ProviderPatch = Partial<Pick<ProviderEntry, (typeof PATCH_FIELDS)[number]>>;
/** What a patch may change, each field with the rules for new input. */
const providerPatch = z.partial(
  z.pick(newProviderEntry, {
    name: true,
    baseUrl: true,
    apiVersion: true,
    headers: true,
    secretHeaders: true,
    caBundlePath: true,
    timeouts: true,
    sampling: true,
    models: true,
    defaultModel: true,
  }),
);
export const newProvider = z.partial(z.pick(newProviderEntry, { baseUrl: true, headers: true }));
export const defaultChoice = z.object({ defaultModel: z.optional(modelIdRule) });

/** Input checked with the rules for new input; a RegistryError names every field that fails (never its value). */
export function checked<T>(schema: z.ZodMiniType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RegistryError(describeIssues(parsed.error));
  return parsed.data;
}

/** The fields a patch sets, and their checked values. */
export function checkedPatch(patch: ProviderPatch): {
  fields: Array<(typeof PATCH_FIELDS)[number]>;
  values: z.infer<typeof providerPatch>;
} {
  // Only the known fields, each read as an own property: a `__proto__` key (from JSON) changes nothing.
  const fields = PATCH_FIELDS.filter((field) => Object.hasOwn(patch, field));
  return { fields, values: checked(providerPatch, Object.fromEntries(fields.map((field) => [field, patch[field]]))) };
}

/** A provider id from a display name: "My OpenAI" → "my-openai", made unique. */
export function idFor(name: string, taken: Set<string>): string {
  const base =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56) || 'provider';
  let id = base;
  for (let n = 2; taken.has(id); n++) id = `${base}-${n}`;
  return id;
}

/** A provider not saved yet (the panel's add wizard), as an entry the connection test can run on; nothing is stored. */
export function draftEntry(draft: NewProvider): ProviderEntry {
  const template = findTemplate(draft.template);
  if (!template) throw new Error(`Unknown template "${draft.template}".`);
  const baseUrl = draft.baseUrl ?? template.baseUrl ?? '';
  checked(newProvider, { baseUrl });
  return {
    id: 'draft',
    name: draft.name ?? template.name,
    template: template.id,
    type: template.type,
    baseUrl,
    enabled: true,
    models: [],
    createdAt: 0,
    updatedAt: 0,
    ...(draft.apiVersion ? { apiVersion: draft.apiVersion } : {}),
  };
}
