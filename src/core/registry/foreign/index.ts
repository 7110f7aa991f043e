import type * as z from '../../zod';
import { Redactor } from '../../redact';
import { describeIssues } from '../schema';
import { EXPORT_FORMAT, type ParseResult } from '../portable';
import { Collector } from './collect';
import { continueFile, readContinue } from './continue';
import { litellmFile, readLitellm } from './litellm';
import { readRoo, rooFile } from './roo';
import { checkShape, parseJsonText, parseYamlText } from './text';
import type { ForeignCandidate, ForeignFormat, ForeignImport, ForeignModel } from './types';
import type { NewProvider } from '../input';
import { byokFile, readByok } from './vscodeByok';

export type { ForeignCandidate, ForeignFormat, ForeignImport, ForeignKey, ForeignModel } from './types';
export { MAX_FOREIGN_FILE_CHARS } from './text';

const KNOWN =
  "expected Continue's config.yaml or config.json, a Roo Code or Kilo Code settings export, VS Code's chatLanguageModels.json or a LiteLLM proxy config.yaml";

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Reads another tool's model configuration into candidates for the registry; nothing is added.
 * The format is told from the content (JSON with comments, or YAML for a .yaml/.yml file or text
 * that does not start like JSON); the file's name only names it in messages and tells Kilo Code from
 * Roo Code. A file with problems gives every problem, each named by its field, and no candidates.
 * No message holds a key the file has, whatever its shape.
 */
export async function readForeignConfig(fileName: string, text: string): Promise<ParseResult<ForeignImport>> {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const yaml =
    /\.ya?ml$/i.test(base) || (!/\.jsonc?$/i.test(base) && !/^\uFEFF?\s*(?:[[{]|\/[/*])/.test(text.slice(0, 4096)));
  const parsed = yaml ? await parseYamlText(text, fileName) : parseJsonText(text, fileName);
  if (!parsed.ok) return parsed;
  // Keys found anywhere in the file stay out of every message.
  const redactor = new Redactor();
  const shape = checkShape(parsed.value, fileName, redactor);
  if (!shape.ok) return shape;
  const value = parsed.value;

  let format: ForeignFormat;
  let source: string;
  let read: (collector: Collector) => void;
  /** The file's outline, checked before its entries: a failure names the field. */
  const outline = <T>(schema: z.ZodMiniType<T>): T | ParseResult<never> => {
    const result = schema.safeParse(value);
    return result.success
      ? result.data
      : {
          ok: false,
          errors: describeIssues(result.error).map((issue) => redactor.redact(`${fileName}: ${issue}`)),
        };
  };
  const failed = (result: unknown): result is ParseResult<never> =>
    isObject(result) && 'ok' in result && result.ok === false;

  if (Array.isArray(value)) {
    const file = outline(byokFile);
    if (failed(file)) return file;
    [format, source, read] = ['vscode-byok', 'VS Code chatLanguageModels.json', (c) => readByok(file, c)];
  } else if (isObject(value) && value.format === EXPORT_FORMAT) {
    return { ok: false, errors: [`${fileName}: a Switchboard export; read it with "Switchboard: Import Providers"`] };
  } else if (isObject(value) && 'providerProfiles' in value) {
    const file = outline(rooFile);
    if (failed(file)) return file;
    const kilo = /kilo/i.test(base);
    [format, source] = kilo ? ['kilo-code', 'Kilo Code settings'] : ['roo-code', 'Roo Code settings'];
    read = (c) => readRoo(file, c);
  } else if (isObject(value) && 'model_list' in value) {
    const file = outline(litellmFile);
    if (failed(file)) return file;
    [format, source, read] = ['litellm', 'LiteLLM config.yaml', (c) => readLitellm(file, c)];
  } else if (isObject(value) && 'models' in value) {
    const file = outline(continueFile);
    if (failed(file)) return file;
    [format, source] = yaml ? ['continue-yaml', 'Continue config.yaml'] : ['continue-json', 'Continue config.json'];
    read = (c) => readContinue(file, c, !yaml);
  } else return { ok: false, errors: [`${fileName}: not a file this import reads; ${KNOWN}`] };

  const collector = new Collector(source, redactor);
  read(collector);
  const { errors, skipped, candidates } = collector.finish(fileName);
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, value: { format, source, candidates, skipped } };
}

/**
 * A candidate as the registry takes it: `registry.add(provider)`, then `registry.update(id, { models })`.
 * An `env` key becomes the reference `${env:NAME}`; a `plain` key goes to secret storage with the provider.
 */
export function candidateInput(candidate: ForeignCandidate): { provider: NewProvider; models: ForeignModel[] } {
  const { key } = candidate;
  return {
    provider: {
      template: candidate.template,
      name: candidate.name,
      baseUrl: candidate.baseUrl,
      ...(candidate.apiVersion ? { apiVersion: candidate.apiVersion } : {}),
      ...(key.kind === 'env' ? { apiKey: `\${env:${key.name}}` } : key.kind === 'plain' ? { apiKey: key.value } : {}),
    },
    models: candidate.models,
  };
}
