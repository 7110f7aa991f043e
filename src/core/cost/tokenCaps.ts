import * as z from '../zod';
import { ProviderError } from '../errors';

/** The most tokens a cap may name: beyond any context window sold today, short of a typo's worth of zeros. */
export const MAX_TOKEN_CAP = 100_000_000;

const tokens = z.int().check(z.positive(), z.lte(MAX_TOKEN_CAP));

/**
 * A provider's per-request token caps (`switchboard.tokenCaps`, set with the budgets): `softTokens`
 * warns in chat before a request whose input plus its largest answer would exceed it; `hardTokens`
 * lowers the request's output cap so input plus output fit, and refuses the request (nothing sent)
 * when the input alone does not.
 */
export const tokenCapSchema = z
  .strictObject({
    providerId: z.string().check(
      z.minLength(1),
      z.maxLength(512),
      z.refine((value) => !/\p{Cc}/u.test(value), 'must not contain control characters'),
    ),
    softTokens: z.optional(tokens),
    hardTokens: z.optional(tokens),
  })
  .check(
    z.refine((cap) => cap.softTokens !== undefined || cap.hardTokens !== undefined, {
      message: 'set softTokens, hardTokens or both',
    }),
    z.refine(
      (cap) => cap.softTokens === undefined || cap.hardTokens === undefined || cap.softTokens <= cap.hardTokens,
      {
        message: 'softTokens must not be above hardTokens (the hard cap would cut the answer before the warning)',
        path: ['softTokens'],
      },
    ),
  );
export type TokenCap = z.output<typeof tokenCapSchema>;

/** The code of a request refused because its input alone is over the provider's hard cap. */
export const TOKEN_CAP_CODE = 'budget_token_cap';

const count = (value: number) => value.toLocaleString('en-US');

/** A request's size as the cap judges it: its counted input and the most it may answer (undefined: no limit known). */
export interface CappedRequest {
  inputTokens: number;
  maxTokens: number | undefined;
}

/**
 * The output cap a request may have under a hard cap: its own cap, lowered so input and output fit.
 * A request whose input alone leaves no room is refused with a `quota_exceeded` error (code
 * `budget_token_cap`: a refusal the user asked for, like a budget's, which ends the route and counts
 * against no model's health).
 */
export function capOutput(request: CappedRequest, hardTokens: number, providerName: string): number {
  const room = hardTokens - request.inputTokens;
  if (room < 1)
    throw new ProviderError(
      'quota_exceeded',
      `Not sent: this request's input is about ${count(request.inputTokens)} tokens, over the ${count(hardTokens)}-token limit per request you set for ${providerName}. Shorten the prompt or attachments, or raise the limit in the panel's Budgets section.`,
      { code: TOKEN_CAP_CODE },
    );
  return request.maxTokens === undefined ? room : Math.min(request.maxTokens, room);
}

/** The warning before sending a request whose input plus its largest answer would exceed the soft cap, or undefined. */
export function softCapWarning(request: CappedRequest, softTokens: number, providerName: string): string | undefined {
  const total = request.inputTokens + (request.maxTokens ?? 0);
  if (total <= softTokens) return undefined;
  const parts =
    request.maxTokens === undefined
      ? `about ${count(request.inputTokens)} tokens in`
      : `about ${count(request.inputTokens)} tokens in and up to ${count(request.maxTokens)} out`;
  return `This request may use ${count(total)} tokens (${parts}), over the ${count(softTokens)}-token warning you set for ${providerName}. It is sent anyway.`;
}

/** The caps set for a provider, if any. */
export function tokenCapFor(caps: readonly TokenCap[], providerId: string): TokenCap | undefined {
  return caps.find((cap) => cap.providerId === providerId);
}
