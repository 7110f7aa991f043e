import type * as z from '../../zod';
import type { ModelPrices } from '../../cost/pricing';
import { Redactor } from '../../redact';
import { findTemplate, PROVIDER_TEMPLATES } from '../../templates';
import type { ProviderType } from '../../types';
import { newProvider } from '../input';
import { urlHoldsKey } from '../keyShape';
import { isValidModelId } from '../schema';
import type { ForeignCandidate, ForeignKey, ForeignModel } from './types';

/** The template for an OpenAI-compatible endpoint of no known provider. */
export const CUSTOM = 'custom';

/** A provider Switchboard has no template for, with an address: imported as a custom endpoint (one wording for every format). */
export const importedAsCustom = (where: string, name: string): string =>
  `${where}: "${name}" is not a provider Switchboard knows; imported as a custom OpenAI-compatible endpoint`;

/** …and without one: skipped, saying which field would have given the address. */
export const unreachableUnknown = (name: string, holder: string, addressField: string): string =>
  `"${name}" is not a provider Switchboard knows, and ${holder} has no ${addressField} to reach it as an OpenAI-compatible endpoint`;

const NAME_MAX = 100;
/** Messages past this many are counted, not listed: a hostile file may have thousands of bad entries. */
const MAX_MESSAGES = 50;

/** A provider as one entry of a foreign file describes it, before its base URL is checked. */
export interface Draft {
  /** Where in the file, for messages: `models[2]`. */
  path: string;
  name?: string;
  template: string;
  /** As the file has it, with where; absent means the template's own base URL. */
  baseUrl?: { value: string; path: string };
  apiVersion?: string;
  models: Array<{ id: string; path: string; prices?: ModelPrices }>;
  key: ForeignKey;
  warnings: string[];
}

/** `parent.key`, or `parent["a key"]` for a key that is not a plain name. */
export function member(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return parent ? `${parent}.${key}` : key;
  return `${parent}[${JSON.stringify(key)}]`;
}

export const isHttpUrl = (value: string): boolean =>
  URL.canParse(value) && /^https?:$/.test(new URL(value).protocol) && new URL(value).hostname !== '';

/** Hosts of providers Switchboard has a template for, for a tool's generic "OpenAI-compatible" entry. */
const HOSTED: ReadonlyMap<string, string> = new Map(
  PROVIDER_TEMPLATES.filter((template) => template.baseUrl && !template.local && template.key === 'required').map(
    (template) => [new URL(template.baseUrl!).hostname, template.id],
  ),
);

/** The template whose provider serves `url` (api.deepseek.com → deepseek), if any. */
export function templateForHost(url: string): string | undefined {
  return URL.canParse(url) ? HOSTED.get(new URL(url).hostname.toLowerCase()) : undefined;
}

/**
 * A tool's generic "OpenAI-compatible" entry: a known provider's host gives that provider's template
 * (and its base URL, unless the URL is refused), any other URL a custom endpoint.
 */
export function compatibleEndpoint(
  url: string,
  path: string,
  fallback: string = CUSTOM,
): { template: string; baseUrl?: { value: string; path: string } } {
  const hosted = isHttpUrl(url) ? templateForHost(url) : undefined;
  if (hosted && !urlHoldsKey(url)) return { template: hosted };
  return { template: hosted ?? fallback, baseUrl: { value: url, path } };
}

/** No trailing slash, query or fragment; the API path an adapter adds itself is taken off. */
function normalized(url: string, type: ProviderType): string {
  const parsed = new URL(url);
  let path = parsed.pathname.replace(/\/+$/, '');
  // Anthropic's adapter adds /v1/messages; Ollama's native adapter /api/chat.
  if (type === 'anthropic') path = path.replace(/\/v1$/, '');
  if (type === 'ollama') path = path.replace(/\/(?:v1|api)$/, '');
  return `${parsed.origin}${path}`;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PLACEHOLDER = /^(?:<[^>]*>|\[[^\]]*\]|your[-_ ].*|.*[-_]here|x{3,}|\.{3}|…)$/i;

/**
 * A key field's value as Switchboard takes it. References become `${env:NAME}`; a VS Code input
 * variable or a Continue block input names a value this file does not hold; a placeholder copied
 * from documentation is no key. Messages name the field, never its value.
 */
export function readKey(value: string | undefined, path: string, warnings: string[]): ForeignKey {
  const text = value?.trim() ?? '';
  if (text === '') return { kind: 'none' };
  const env = /^\$\{env:([^}]+)\}$/.exec(text);
  const secret = /^\$\{\{\s*secrets\.([^}\s]+)\s*\}\}$/.exec(text);
  const litellm = /^os\.environ\/(.+)$/.exec(text);
  const name = (env ?? secret ?? litellm)?.[1]?.trim();
  if (name !== undefined) {
    if (!ENV_NAME.test(name)) {
      warnings.push(
        `${path}: refers to an environment variable whose name Switchboard cannot use; set the key after import`,
      );
      return { kind: 'none' };
    }
    // Said once per secret, whichever entries use it.
    if (secret)
      warnings.push(
        `\${{ secrets.${name} }} becomes \${env:${name}}: Continue read it from its .env file; Switchboard reads the environment VS Code starts with`,
      );
    return { kind: 'env', name };
  }
  if (/^\$\{input:[^}]*\}$/.test(text)) {
    warnings.push(
      `${path}: the key is kept in VS Code's secret storage, where Switchboard cannot read it; set it with "Switchboard: Set API Key"`,
    );
    return { kind: 'none' };
  }
  if (/^\$\{\{[^}]*\}\}$/.test(text) || /^\$\{[^}]*\}$/.test(text)) {
    warnings.push(`${path}: a variable this file does not define; set the key with "Switchboard: Set API Key"`);
    return { kind: 'none' };
  }
  if (PLACEHOLDER.test(text)) {
    warnings.push(`${path}: a placeholder, not a key; set the key with "Switchboard: Set API Key"`);
    return { kind: 'none' };
  }
  return { kind: 'plain', value: text };
}

const sameKey = (a: ForeignKey, b: ForeignKey): boolean =>
  a.kind === b.kind &&
  (a.kind === 'none' ||
    (a.kind === 'env' && b.kind === 'env' && a.name === b.name) ||
    (a.kind === 'plain' && b.kind === 'plain' && a.value === b.value));

const validPrice = (price: number | undefined): boolean =>
  price === undefined || (Number.isFinite(price) && price >= 0);

/**
 * Gathers a file's candidates: checks each base URL as the registry would (an http(s) URL with no key
 * in it), keeps only model ids the registry takes, and merges entries for the same provider and base
 * URL. Every message goes through a redactor that knows every key-like value of the file.
 */
export class Collector {
  readonly redactor: Redactor;
  readonly #errors: string[] = [];
  readonly #skipped: string[] = [];
  readonly #candidates = new Map<string, ForeignCandidate>();
  readonly #source: string;

  constructor(source: string, redactor: Redactor = new Redactor()) {
    this.#source = source;
    this.redactor = redactor;
  }

  /** A problem that refuses the whole file, named by its field. */
  error(path: string, message: string): void {
    this.#errors.push(`${path || '(root)'}: ${message}`);
  }

  /** Every issue zod found in the value at `path`, each at its own field. */
  issues(path: string, error: z.core.$ZodError): void {
    for (const issue of error.issues)
      this.error(
        issue.path.reduce<string>((at, part) => member(at, typeof part === 'number' ? part : String(part)), path),
        issue.message,
      );
  }

  /** An entry that gives no candidate, and why. */
  skip(path: string, message: string): void {
    this.#skipped.push(`${path}: ${message}`);
  }

  get failed(): boolean {
    return this.#errors.length > 0;
  }

  add(draft: Draft): void {
    if (draft.key.kind === 'plain') this.redactor.addSecret(draft.key.value);
    const template = findTemplate(draft.template);
    if (!template) throw new Error(`No template "${draft.template}".`);
    const warnings = [...draft.warnings];
    let baseUrl: string | undefined;
    if (draft.baseUrl) {
      const { value, path } = draft.baseUrl;
      if (!isHttpUrl(value)) {
        this.error(path, 'must be an http(s) URL');
        return;
      }
      if (urlHoldsKey(value)) {
        const refused = `${path}: looks like it holds a key, so it was not taken`;
        const advice = 'keys belong in "Switchboard: Set API Key"';
        if (!template.baseUrl) {
          this.skip(draft.path, `${template.name} needs a base URL; ${refused}; ${advice}`);
          return;
        }
        warnings.push(`${refused}; ${template.name}'s own base URL is used; ${advice}`);
      } else baseUrl = normalized(value, template.type);
    }
    baseUrl ??= template.baseUrl;
    if (!baseUrl) {
      this.skip(draft.path, `${template.name} needs a base URL, and this entry has none Switchboard can use`);
      return;
    }
    // What the registry checks before it adds a provider.
    if (!newProvider.safeParse({ baseUrl }).success) {
      this.skip(draft.path, 'the base URL is not one the registry takes');
      return;
    }
    const models: ForeignModel[] = [];
    for (const model of draft.models) {
      if (!isValidModelId(model.id)) {
        warnings.push(`${model.path}: not a model id Switchboard can use; left out`);
        continue;
      }
      const prices = model.prices && Object.values(model.prices).every(validPrice) ? model.prices : undefined;
      if (model.prices && !prices) warnings.push(`${model.path}: prices must be non-negative numbers; left out`);
      const defined = prices && Object.fromEntries(Object.entries(prices).filter(([, price]) => price !== undefined));
      models.push({ id: model.id, ...(defined && Object.keys(defined).length > 0 ? { prices: defined } : {}) });
    }
    // A template with no base URL of its own (Azure) is told apart by the host.
    const fallbackName = template.baseUrl ? template.name : `${template.name} (${new URL(baseUrl).host})`;
    const name = (draft.name?.trim() || fallbackName).slice(0, NAME_MAX);
    const id = `${template.id}\n${baseUrl}`;
    const existing = this.#candidates.get(id);
    if (!existing) {
      const merged: ForeignModel[] = [];
      for (const model of models) mergeModel(merged, model);
      this.#candidates.set(id, {
        source: this.#source,
        name,
        template: template.id,
        baseUrl,
        ...(draft.apiVersion ? { apiVersion: draft.apiVersion } : {}),
        models: merged,
        key: draft.key,
        warnings: [...new Set(warnings)],
      });
      return;
    }
    for (const model of models) mergeModel(existing.models, model);
    if (existing.key.kind === 'none') existing.key = draft.key;
    else if (draft.key.kind !== 'none' && !sameKey(existing.key, draft.key))
      warnings.push(
        `${draft.path}: a different key for the same endpoint as an earlier entry; the earlier one is kept`,
      );
    if (!existing.apiVersion && draft.apiVersion) existing.apiVersion = draft.apiVersion;
    else if (draft.apiVersion && draft.apiVersion !== existing.apiVersion)
      warnings.push(`${draft.path}: a different api-version for the same endpoint; the earlier one is kept`);
    for (const warning of warnings) if (!existing.warnings.includes(warning)) existing.warnings.push(warning);
  }

  /** Every message redacted; errors prefixed with the file's name. */
  finish(fileName: string): { errors: string[]; skipped: string[]; candidates: ForeignCandidate[] } {
    const clean = (messages: string[]) => {
      const listed = messages.slice(0, MAX_MESSAGES).map((message) => this.redactor.redact(message));
      if (messages.length > MAX_MESSAGES) listed.push(`${messages.length - MAX_MESSAGES} more`);
      return listed;
    };
    return {
      errors: clean(this.#errors).map((message) => `${fileName}: ${message}`),
      skipped: clean(this.#skipped),
      candidates: [...this.#candidates.values()].map((candidate) => ({
        ...candidate,
        warnings: candidate.warnings.map((warning) => this.redactor.redact(warning)),
      })),
    };
  }
}

/** Adds a model once; a later entry's prices fill what an earlier one left out. */
function mergeModel(models: ForeignModel[], model: ForeignModel): void {
  const same = models.find((existing) => existing.id === model.id);
  if (!same) models.push(model);
  else if (model.prices) same.prices = { ...model.prices, ...same.prices };
}
