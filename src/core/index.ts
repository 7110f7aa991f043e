export { createProvider, ANTHROPIC_VERSION, AZURE_API_VERSION } from './provider';
export { AnthropicProvider } from './adapters/anthropic';
export { GeminiProvider } from './adapters/gemini';
export { OllamaProvider } from './adapters/ollama';
export { OpenAiChatProvider } from './adapters/openaiChat';
export { OpenAiResponsesProvider } from './adapters/openaiResponses';
export { PROVIDER_TEMPLATES, findTemplate } from './templates';
export type { ProviderTemplate } from './templates';
export { CATALOG_SOURCES, catalogFacts, withCatalog } from './catalog';
export { baseUrlCandidates, diagnose } from './doctor';
export type { DiagnoseOptions, DoctorReport, DoctorStage, StageResult } from './doctor';
export type { CatalogFacts } from './catalog';
export type { CreateProviderOptions } from './provider';
export { ProviderError, isProviderError, classifyHttpError, classifyStreamError, parseRetryAfter } from './errors';
export type { ProviderErrorKind } from './errors';
export { systemClock } from './types';
export type {
  ChatEvent,
  ChatMessage,
  ChatRequest,
  Clock,
  ContentPart,
  FinishReason,
  ModelInfo,
  Provider,
  ProviderRequestOptions,
  ProviderType,
  RateLimitInfo,
  ResponseMetadata,
  Role,
  Timeouts,
  ToolCall,
  ToolDefinition,
  Usage,
  ValueSource,
} from './types';
export { createLogger } from './logger';
export type { LogLevel, LogSink, Logger } from './logger';
export { REDACTED, Redactor, redact } from './redact';
export type { KeyValueStore, SecretStore } from './storage';
