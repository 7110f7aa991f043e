import type { ModelPrices } from '../../cost/pricing';

/**
 * Where a candidate's key comes from. `env` is Switchboard's `${env:NAME}` reference (Continue's
 * `${{ secrets.NAME }}` and LiteLLM's `os.environ/NAME` become one); `plain` is a key the file holds
 * in plain text, for the host to move into secret storage (the file still holds it).
 */
export type ForeignKey = { kind: 'none' } | { kind: 'env'; name: string } | { kind: 'plain'; value: string };

export interface ForeignModel {
  id: string;
  /** US dollars per million tokens, when the file states them. */
  prices?: ModelPrices;
}

/** One provider another tool was set up with, as a registry input: nothing is added until the user says so. */
export interface ForeignCandidate {
  /** The tool and file it came from, e.g. "Continue config.yaml". */
  source: string;
  /** At most 100 characters, as the registry takes it. */
  name: string;
  /** A template id from templates.ts ('custom' for an OpenAI-compatible endpoint of no known provider). */
  template: string;
  /** An http(s) URL without a key in it, normalized (no trailing slash, no query). */
  baseUrl: string;
  /** Azure OpenAI's api-version, when the file names one. */
  apiVersion?: string;
  models: ForeignModel[];
  key: ForeignKey;
  /** What was not carried over or needs the user's attention; never a key. */
  warnings: string[];
}

export type ForeignFormat = 'continue-yaml' | 'continue-json' | 'roo-code' | 'kilo-code' | 'vscode-byok' | 'litellm';

export interface ForeignImport {
  format: ForeignFormat;
  /** e.g. "Continue config.yaml", "Roo Code settings". */
  source: string;
  /** One entry per provider and base URL: entries of the file that share both are merged. */
  candidates: ForeignCandidate[];
  /** Entries of the file that give no candidate (an embeddings model, a provider Switchboard has no adapter for), each with why. */
  skipped: string[];
}
