// Not here: createProvider (./provider), the adapters (./adapters/*) and the connection test
// (./connectionTest). They are most of the core's code and no start-up path needs them, so the
// registry imports them when first used; re-exported from this barrel, which the extension imports
// at start-up, they would load with it (a bundler keeps a module that a barrel re-exports in the
// barrel's chunk even when the only use is a dynamic import elsewhere).
export { AZURE_API_VERSION } from './azureUrl';
export { azureBaseUrl, parseAzureUrl, type AzureAddress } from './azureUrl';
export { MAX_ARGUMENT_DEPTH } from './adapters/toolArguments';
export { PROVIDER_TEMPLATES, findTemplate, recommendedAmong } from './templates';
export type { ProviderTemplate } from './templates';
export { CATALOG_SOURCES, catalogFacts, withCatalog } from './catalog';
export type {
  ConnectionTestOptions,
  ConnectionTestReport,
  ConnectionStage,
  ModelCheck,
  StageResult,
} from './connectionTest';
export type { CatalogFacts } from './catalog';
export type { CreateProviderOptions } from './provider';
export type { ModelListing } from './adapters/listings';
export { ProviderError, isProviderError } from './errors';
export { classifyHttpError, classifyStreamError, parseRetryAfter } from './errorClassification';
export type { ProviderErrorKind } from './errors';
export { LOCAL_CALL_ID, systemClock } from './types';
export type {
  ChatEvent,
  ChatMessage,
  ChatRequest,
  Clock,
  ContentPart,
  FinishReason,
  ModelInfo,
  ModelInfoField,
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
export { MemorySharedStore } from './storage';
export type { KeyValueStore, SecretStore, SharedStore } from './storage';
export { AuditLog } from './registry/audit';
export type { AuditAction, AuditEntry } from './registry/audit';
export { KeyStore, maskKey, parseReference } from './registry/keys';
export type { KeyLookup, KeyReference, KeyState, ReferenceResolver } from './registry/keys';
export {
  declaredProvider,
  exportRegistry,
  mergeLayers,
  parseExport,
  parseWorkspaceFile,
  planImport,
  resolveDeclared,
} from './registry/portable';
export type { ProviderSource, SourcedEntry } from './registry/portable';
export type { ForeignCandidate, ForeignFormat, ForeignImport, ForeignKey, ForeignModel } from './registry/foreign';
export { Registry } from './registry/registry';
export { inferTemplate, isLocalProvider } from './registry/templateOf';
export { LISTING_MAX_AGE_MS } from './registry/firstListings';
export type { FallbackStep, ModelListEvent, RegistryChange } from './registry/registry';
export { MODEL_LISTS_KEY, ModelListStore } from './registry/modelLists';
export type { ProviderListing } from './registry/modelLists';
export type { NewProvider, ProviderPatch } from './registry/input';
export { checkBaseUrl, describeIssues, isValidModelId, REGISTRY_SCHEMA_VERSION } from './registry/schema';
export { looksLikeKey, SECRET_HEADER } from './registry/keyShape';
export type { ProviderEntry, RegistryState } from './registry/schema';
export { DeferredEvents } from './events';
export { RegistryError, RegistryReadOnlyError, RegistryStore } from './registry/store';
export type { CorruptionReport, KeptCopy, KeptReason, ReadOnlyReport } from './registry/store';
export { BudgetGuard, budgetApplies, budgetSchema, periodKey, UNKNOWN_PRICE_POLICIES } from './cost/budgets';
export type {
  Admission,
  AdmitRequest,
  Budget,
  BudgetNotice,
  BudgetGuardOptions,
  BudgetScope,
  Reservation,
  SpendBook,
  SpendSource,
  SpendView,
  UnknownPricePolicy,
} from './cost/budgets';
export { LEDGER_DAYS, LEDGER_KEY, LEDGER_MONTHS, UsageLedger } from './cost/ledger';
export type { LedgerProblem } from './cost/ledger';
export {
  describeDisagreement,
  describeSurfaces,
  disagreement,
  SURFACE_NAMES,
  SURFACE_NOT_RECORDED,
  surfaceParts,
  usageCsv,
} from './cost/ledgerReport';
export type { Surface, SurfaceGroup, SurfaceSpend, Totals, UsageRecord } from './cost/ledgerTotals';
export { closestModel, costOf, modelStem, priceOf } from './cost/pricing';
export { PRICE_DATA_URL, PriceCatalog } from './cost/priceCatalog';
export type { PriceDataCache, PriceDataState, RefreshOutcome } from './cost/priceCatalog';
export { formatPerMillion, formatUsd } from './cost/money';
export { counted } from './text';
export type { ClosestModel, CostResult, ModelPrices, PriceQuote, PriceSource, PricingContext } from './cost/pricing';
export { countPromptTokens, countPromptTokensNow, estimateCost, localTokenCounter } from './cost/estimate';
export { fitToContext } from './context';
export { contextWindowText, factLabel, localDate } from './factLabels';
export { changeText, combineChanges, compareSnapshots } from './modelChanges';
export type { ModelChange, ModelSnapshot, PricePoint } from './modelChanges';
export type { FactDates, LabelledFact } from './factLabels';
export { answerRoom, DEFAULT_CONTEXT_WINDOW, DEFAULT_MAX_OUTPUT_TOKENS, modelFacts } from './modelFacts';
export type { Fact, FactSource, ModelFacts, ModelFactsInput } from './modelFacts';
export type { Attachment, FitResult } from './context';
export type { CostEstimate, TokenCount } from './cost/estimate';
export { metered, usageProblem } from './cost/meter';
export type { MeterOptions, UnknownPriceQuestion } from './cost/meter';
export { ASSUMED_REQUEST, costChange, costPerRequest, describeTypical, typicalRequest } from './cost/costDifference';
export type { CostChange, PricedModel, TypicalRequest } from './cost/costDifference';
export {
  capOutput,
  MAX_TOKEN_CAP,
  softCapWarning,
  TOKEN_CAP_CODE,
  tokenCapFor,
  tokenCapSchema,
} from './cost/tokenCaps';
export type { CappedRequest, TokenCap } from './cost/tokenCaps';
export { ASSUMED_REQUESTS_PER_DAY, recommend, requestsPerDay, TASK_KINDS } from './recommend';
export type { Candidate, RankedModel, Recommendation, RecommendBudget, RequestsPerDay, TaskKind } from './recommend';
export {
  CircuitBreakers,
  RateLimitPacer,
  DEFAULT_RETRY_POLICY,
  DEFAULT_CIRCUIT_OPTIONS,
  TRANSIENT_KINDS,
  retryDelayMs,
  retryPolicyFromSettings,
  route,
  continuationRequest,
  RouteError,
  SKIP_WORDS,
  automaticFallback,
  EXCLUSION_WORDS,
  HealthChecker,
  hasModelList,
  describeHealth,
  switchRecord,
  notingSwitches,
} from './routing';
export type {
  CircuitSnapshot,
  CircuitState,
  RetryPolicy,
  RouteEvent,
  RouteFailure,
  RouteOptions,
  RouteTarget,
  SkipReason,
  SwitchQuestion,
  AutomaticCandidate,
  AutomaticExclusion,
  HealthState,
  ProviderHealth,
  HealthCheckTarget,
} from './routing';
export { describeError, describeFailure, describeSkipSwitch, describeSwitch, describeWait } from './describe';
export { modelKey, parseModelKey, sameModel } from './modelRef';
export type { ModelRef } from './modelRef';
export {
  GATEWAY_BUDGET_PREFIX,
  gatewayBudget,
  gatewayModels,
  gatewayRemaining,
  gatewayResetAt,
  readGatewayStatus,
} from './adapters/gateway';
export type { GatewayBudget, GatewayKind, GatewayReader, GatewayReading, GatewayStatus } from './adapters/gateway';
export { reconcileSpend } from './adapters/gatewaySpend';
export type { GatewayDay, ReconciledDay } from './adapters/gatewaySpend';
export {
  dataPolicy,
  effectiveDataPolicy,
  policyAllows,
  TEAM_BUDGET_PREFIX,
  teamBudgets,
  teamPolicy,
  withDataPolicy,
} from './registry/teamPolicy';
export type { DataPolicy, ProviderPolicy, TeamPolicy } from './registry/teamPolicy';
export type { EnforcedBudget } from './cost/budgets';
