import * as z from 'zod';

/**
 * The one message protocol between the provider panel (webview) and the extension host.
 * Both sides parse every message they receive with these schemas and drop what does not fit.
 */
export const webviewToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }).strict(),
]);
export type WebviewToHost = z.infer<typeof webviewToHost>;

export const hostToWebview = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('init'),
      version: z.string().min(1),
      providerCount: z.number().int().nonnegative(),
    })
    .strict(),
]);
export type HostToWebview = z.infer<typeof hostToWebview>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

/** Parses an untrusted message; the error names the offending field (e.g. `type: Invalid input`). */
export function parseMessage<T>(schema: z.ZodType<T>, raw: unknown): ParseResult<T> {
  const result = schema.safeParse(raw);
  if (result.success) return { ok: true, message: result.data };
  const error = result.error.issues
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(message)'}: ${issue.message}`)
    .join('; ');
  return { ok: false, error };
}
