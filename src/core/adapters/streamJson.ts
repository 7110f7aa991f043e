import type { compile as zodCompile } from 'zod/v4/core';
import type * as z from '../zod';
import { classifyStreamError } from '../errorClassification';
import { ProviderError } from '../errors';
import type { TransportConfig } from '../http';
import { unexpected } from './shared';

// The stream adapters' parsing of each event.

type Compile = typeof zodCompile;

/**
 * zod's schema compiler, a file of its own loaded on demand (dist/vendor; about 29 KB that would
 * otherwise load at activation with zod itself: a module reachable from the start-up code through
 * zod's own re-exports stays in the start-up chunk once anything uses it). Until it is loaded
 * schemas parse uncompiled, with the same results.
 */
let compile: Compile | undefined;
let compilerLoading: Promise<void> | undefined;

/** Loads the compiler (once; a failed load leaves schemas uncompiled, which changes no result). */
export function loadCompiler(): Promise<void> {
  compilerLoading ??= import('zod-compiler').then(
    (module) => {
      // In the extension it is a CommonJS file of its own (dist/vendor): import() shows its names on `default`.
      compile = ((module as unknown as { default?: { compile: Compile } }).default ?? module).compile;
    },
    () => undefined,
  );
  return compilerLoading;
}

const compiledSchemas = new WeakMap<object, z.ZodMiniType>();

/**
 * A stream schema with zod's compiled fast path: code generated for the schema parses what fits it
 * (zod's mini API otherwise walks the schema for every event: 1.9 µs for a Gemini chunk where the
 * compiled one takes 1.1 µs, JSON.parse included), and hands anything else to zod's own parser, so
 * results and messages are the same. Compiled on first use once the compiler is loaded (about 4 ms
 * a schema), which the background rehearsal (rehearsal.ts) makes ahead of the first request.
 */
function compiled<T>(schema: z.ZodMiniType<T>): z.ZodMiniType<T> {
  let fast = compiledSchemas.get(schema);
  if (fast === undefined) {
    if (compile === undefined) {
      void loadCompiler();
      return schema;
    }
    fast = compile(schema);
    compiledSchemas.set(schema, fast);
  }
  return fast as z.ZodMiniType<T>;
}

/**
 * Parses one streamed JSON payload against the adapter's schema (or the one `schema` picks for it:
 * a narrow schema for the frequent delta events is several times cheaper than a broad one);
 * an error object in its place is thrown as one.
 */
export function parseJsonEvent<T>(
  transport: TransportConfig,
  schema: z.ZodMiniType<T> | ((json: unknown) => z.ZodMiniType<T>),
  data: string,
): T {
  let json: unknown;
  try {
    json = JSON.parse(data);
  } catch {
    throw new ProviderError('server_error', `${transport.providerName} sent something that is not JSON in its stream`, {
      providerMessage: transport.redactor.clip(data, 200),
      redactor: transport.redactor,
    });
  }
  const result = compiled(typeof schema === 'function' ? schema(json) : schema).safeParse(json);
  if (result.success) return result.data;
  // vLLM and others send a bare error object where a chunk should be.
  if (
    typeof json === 'object' &&
    json !== null &&
    ('error' in json || (json as { object?: unknown }).object === 'error')
  ) {
    throw classifyStreamError(transport.providerName, json, undefined, transport.redactor);
  }
  throw unexpected(transport, result.error);
}
