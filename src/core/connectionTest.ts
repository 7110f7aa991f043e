import { parseAzureUrl } from './azureUrl';
import { suggestions } from './baseUrlSuggestions';
import { errorCode, TLS_ERROR_CODE } from './http';
import { ProviderError } from './errors';
import { createProvider, type CreateProviderOptions } from './provider';
import { Redactor } from './redact';
import { hasModelList as listsModels } from './routing/healthChecks';
import { systemClock, type ModelInfo, type Provider } from './types';

export type ConnectionStage = 'connect' | 'tls' | 'auth' | 'models' | 'chat';

export interface StageResult {
  stage: ConnectionStage;
  status: 'pass' | 'fail' | 'skip';
  /** One plain sentence for the user. */
  message: string;
  /** How long the stage's own request took, where it made one. */
  ms?: number;
  /** The socket error code or the provider's error code, for the log and for support. */
  code?: string;
  /** What the server said, in its own words or its raw body (redacted), where a failure came with it. */
  detail?: string;
}

export interface ConnectionTestReport {
  ok: boolean;
  stages: StageResult[];
  /** A base URL that works where the given one did not (missing or doubled /v1, a pasted endpoint). */
  suggestedBaseUrl?: string;
  models?: ModelInfo[];
  /** The model the one-token chat says answered: for an Azure deployment, the model it runs (`gpt-4o-2024-11-20`). */
  servedModel?: string;
}

export interface ConnectionTestOptions extends CreateProviderOptions {
  /** The model to try a one-token chat with; without it the chat stage is skipped. */
  model?: string;
  signal?: AbortSignal;
  /** Called as each stage completes, so a UI can show them live. */
  onStage?: (result: StageResult) => void;
  /** Wraps the provider the chat stage uses (the host meters it: budgets and the usage ledger). */
  wrapChat?: (provider: Provider) => Provider;
}

function isTlsError(error: ProviderError): boolean {
  const code = error.code ?? errorCode(error.cause);
  return code !== undefined && TLS_ERROR_CODE.test(code);
}

function connectMessage(error: ProviderError, host: string): string {
  switch (error.code) {
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `The name ${host} could not be resolved (DNS). Check the base URL for typos, or your network.`;
    case 'ECONNREFUSED':
      return `Nothing is listening at ${host}. Is the server running, and is the port right?`;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return `The connection to ${host} was cut. A proxy or firewall may be in the way.`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `${host} did not accept a connection in time. A proxy or firewall may be in the way.`;
    default:
      return error.message;
  }
}

/**
 * Tests a provider the way a person would debug it, stage by stage: can we connect (DNS, refused,
 * proxy), is TLS trusted, is the key accepted (401 vs 403 vs a 400 bad key), does the model list
 * load, does a one-token chat answer. Only the injected fetch is used, so proxies apply.
 */
export async function runConnectionTest(options: ConnectionTestOptions): Promise<ConnectionTestReport> {
  const clock = options.clock ?? systemClock;
  // Every line is redacted as it is recorded: a base URL with ?key=, a key pasted as the base URL,
  // a provider that echoes the key in its error code.
  const redactor = new Redactor();
  redactor.addSecret(options.apiKey);
  for (const value of Object.values(options.secretHeaders ?? {})) redactor.addSecret(value);
  const stages: StageResult[] = [];
  const record = (result: StageResult) => {
    const { detail, ...rest } = result;
    const clean = {
      ...rest,
      message: redactor.redact(result.message),
      ...(result.code === undefined ? {} : { code: redactor.redact(result.code) }),
      ...(detail === undefined ? {} : { detail: redactor.redact(detail) }),
    };
    stages.push(clean);
    options.onStage?.(clean);
  };
  const skipRest = (from: ConnectionStage[], why: string) => {
    for (const stage of from) record({ stage, status: 'skip', message: why });
  };
  let host = 'the server';
  try {
    host = new URL(options.baseUrl ?? 'https://invalid.invalid').host;
  } catch {
    record({ stage: 'connect', status: 'fail', message: `"${options.baseUrl}" is not a URL.` });
    skipRest(['tls', 'auth', 'models', 'chat'], 'Fix the base URL first.');
    return { ok: false, stages };
  }
  const https = options.baseUrl?.startsWith('https:') ?? true;
  const azure = options.type === 'azure-openai' ? parseAzureUrl(options.baseUrl ?? '') : undefined;
  // Azure's deployment URLs have no model list: the chat with a deployment is the first request.
  const hasModelList = listsModels(options.type, options.baseUrl ?? '');
  if (!hasModelList && !options.model) {
    // Nothing to send: a chat with no deployment would go to /openai/deployments//chat/completions.
    skipRest(['connect', 'tls', 'auth'], 'Not tried: no deployment named.');
    record({
      stage: 'models',
      status: 'fail',
      message:
        'Name a deployment to test: Azure answers at a deployment (…/openai/deployments/NAME/…) and does not list them.',
    });
    skipRest(['chat'], 'Name a deployment first.');
    return { ok: false, stages };
  }
  const provider = createProvider(options);
  const chatProvider = options.wrapChat ? options.wrapChat(provider) : provider;
  let servedModel: string | undefined;
  /** The one-token chat; Azure's whole answer names the model a deployment runs. */
  const oneToken = async (model: string, via: Provider = chatProvider) => {
    const request = { model, messages: [{ role: 'user' as const, content: 'Hi' }], maxTokens: 1 };
    for await (const event of via.chat(azure ? { ...request, stream: false } : request, { signal: options.signal }))
      if (event.type === 'response-metadata' && event.metadata.model) servedModel = event.metadata.model;
  };

  const timed = async <T>(work: () => Promise<T>): Promise<{ value?: T; error?: ProviderError; ms: number }> => {
    const started = clock.now();
    try {
      const value = await work();
      return { value, ms: clock.now() - started };
    } catch (error) {
      const failure =
        error instanceof ProviderError
          ? error
          : new ProviderError('network', String(error), { cause: error, redactor });
      return { error: failure, ms: clock.now() - started };
    }
  };

  const first = hasModelList
    ? await timed(() => provider.listModels({ signal: options.signal }))
    : await timed(async () => {
        await oneToken(options.model!);
        return [] as ModelInfo[];
      });

  // connect and TLS: did the first request get any HTTP answer at all?
  const error = first.error;
  if (error?.kind === 'cancelled') {
    skipRest(['connect', 'tls', 'auth', 'models', 'chat'], 'Cancelled.');
    return { ok: false, stages };
  }
  // One of the user's budgets refused the first request (Azure's is a chat): nothing reached the provider.
  if (error && isBudgetRefusal(error)) {
    skipRest(['connect', 'tls', 'auth', 'models', 'chat'], `Not tried: ${error.message}`);
    return { ok: false, stages };
  }
  if (error?.kind === 'network' || (error?.kind === 'timeout' && error.status === undefined)) {
    if (isTlsError(error)) {
      record({ stage: 'connect', status: 'pass', message: `Connected to ${host}.`, ms: first.ms });
      record({
        stage: 'tls',
        status: 'fail',
        message: `${host}'s certificate is not trusted (${error.code ?? errorCode(error.cause)}). For a self-hosted server, add its CA certificate to the provider.`,
        code: error.code ?? errorCode(error.cause),
      });
      skipRest(['auth', 'models', 'chat'], 'Fix TLS first.');
    } else {
      record({
        stage: 'connect',
        status: 'fail',
        message: connectMessage(error, host),
        ms: first.ms,
        code: error.code,
      });
      skipRest(['tls', 'auth', 'models', 'chat'], 'Fix the connection first.');
    }
    return { ok: false, stages };
  }
  if (error?.status === 407) {
    record({
      stage: 'connect',
      status: 'fail',
      message: "The proxy asks for credentials (407). Set them in VS Code's proxy settings.",
      ms: first.ms,
      code: '407',
    });
    skipRest(['tls', 'auth', 'models', 'chat'], 'Fix the proxy first.');
    return { ok: false, stages };
  }
  record({ stage: 'connect', status: 'pass', message: `Connected to ${host}.`, ms: first.ms });
  record(
    https
      ? { stage: 'tls', status: 'pass', message: 'The certificate is trusted.' }
      : { stage: 'tls', status: 'skip', message: 'Plain HTTP: no TLS to check.' },
  );

  // auth: an HTTP answer came; did it accept the key?
  if (error?.kind === 'invalid_credentials') {
    const message =
      error.status === 403
        ? `The key is valid but not allowed to do this (403)${error.providerMessage ? `: ${error.providerMessage}` : '.'}`
        : `The key was rejected (${error.status ?? 'error'})${error.providerMessage ? `: ${error.providerMessage}` : '.'}`;
    record({ stage: 'auth', status: 'fail', message, ms: first.ms, code: error.code, detail: error.providerMessage });
    skipRest(['models', 'chat'], 'Fix the key first.');
    return { ok: false, stages };
  }
  if (
    error &&
    (error.status === 404 ||
      error.status === 405 ||
      (error.kind === 'server_error' && error.code === undefined && hasModelList))
  ) {
    // The server answered, but not at these paths: try the usual base-URL mistakes.
    for (const candidate of suggestions(options, azure, error)) {
      const attempt = await timed(() => candidate.works());
      if (!attempt.error) {
        record({
          stage: 'auth',
          status: 'skip',
          message: `Nothing answered at ${options.baseUrl}; ${candidate.baseUrl} does.`,
        });
        record({
          stage: 'models',
          status: 'fail',
          message: `Use ${candidate.baseUrl} as the base URL.`,
          ms: first.ms,
          code: String(error.status ?? ''),
        });
        skipRest(['chat'], 'Fix the base URL first.');
        return {
          ok: false,
          stages,
          suggestedBaseUrl: redactor.redact(candidate.baseUrl),
          ...(attempt.value ? { models: attempt.value } : {}),
        };
      }
    }
  }
  if (error && error.kind !== 'model_not_found' && error.kind !== 'bad_request' && error.kind !== 'server_error') {
    record({
      stage: 'auth',
      status: 'fail',
      message: error.message,
      ms: first.ms,
      code: error.code,
      detail: error.providerMessage,
    });
    skipRest(['models', 'chat'], 'Fix this first.');
    return { ok: false, stages };
  }
  record(
    error
      ? { stage: 'auth', status: 'skip', message: 'Could not tell: the request failed for another reason.' }
      : { stage: 'auth', status: 'pass', message: 'The key was accepted.' },
  );

  // models
  if (!hasModelList) {
    record(
      error
        ? { stage: 'models', status: 'fail', message: error.message, code: error.code, detail: error.providerMessage }
        : {
            stage: 'models',
            status: 'skip',
            message: `Azure deployments are named, not listed; ${options.model} is there${servedModel ? ` (it runs ${servedModel})` : ''}.`,
          },
    );
  } else if (error) {
    record({
      stage: 'models',
      status: 'fail',
      message: error.message,
      ms: first.ms,
      code: error.code,
      detail: error.providerMessage,
    });
  } else {
    record({ stage: 'models', status: 'pass', message: `${first.value?.length ?? 0} models available.`, ms: first.ms });
  }

  // chat: one token, through the same path as a real request
  if (!options.model) {
    skipRest(['chat'], 'Choose a model to try a one-token chat.');
  } else if (!hasModelList) {
    if (!error) record({ stage: 'chat', status: 'pass', message: `${options.model} answered.`, ms: first.ms });
    else skipRest(['chat'], 'See above.');
  } else {
    const chat = await timed(() => oneToken(options.model!));
    record(
      chat.error && isBudgetRefusal(chat.error)
        ? // The provider is not at fault: a budget with no room left refused the one-token chat before it was sent.
          { stage: 'chat', status: 'skip', message: `Not tried: ${chat.error.message}` }
        : chat.error
          ? {
              stage: 'chat',
              status: 'fail',
              message: chat.error.message,
              ms: chat.ms,
              code: chat.error.code,
              detail: chat.error.providerMessage,
            }
          : { stage: 'chat', status: 'pass', message: `${options.model} answered.`, ms: chat.ms },
    );
  }
  return {
    ok: stages.every((stage) => stage.status !== 'fail'),
    stages,
    models: first.value,
    ...(servedModel ? { servedModel } : {}),
  };
}

/** A refusal by one of the user's budgets (the host meters the connection test): the request was never sent. */
function isBudgetRefusal(error: ProviderError): boolean {
  return error.kind === 'quota_exceeded' && (error.code?.startsWith('budget_') ?? false);
}

/** A typed model's check: the one-token chat's stage, or (when it was not reached) the stage that stopped it. */
export interface ModelCheck {
  ok: boolean;
  stage: StageResult;
  /** The model the provider says answered (an Azure deployment's). */
  servedModel?: string;
}

/** What a connection test with a model says of that model: its one-token chat, else why it was not tried. */
export function modelCheck(report: ConnectionTestReport): ModelCheck {
  const chat = report.stages.find((stage) => stage.stage === 'chat');
  if (chat?.status === 'pass')
    return { ok: true, stage: chat, ...(report.servedModel ? { servedModel: report.servedModel } : {}) };
  // A model list that failed is not the model's fault: the chat decides, unless nothing got that far.
  const stopped =
    chat?.status === 'fail'
      ? chat
      : (report.stages.find((stage) => stage.status === 'fail' && stage.stage !== 'models') ?? chat);
  return {
    ok: false,
    stage: stopped ?? { stage: 'chat', status: 'skip', message: 'The model was not tried.' },
  };
}
