// Loaded with mocha's --require: any unhandled rejection while a test runs (or after it, before the
// next one starts) fails that test. Without it mocha lets them pass silently.
// Keyed by promise: mocha re-emits each rejection to other listeners, so one arrives twice.
const rejections = new Map<Promise<unknown>, unknown>();
const onRejection = (reason: unknown, promise: Promise<unknown>) => rejections.set(promise, reason);

function takeRejections(): void {
  if (rejections.size === 0) return;
  const reasons = [...rejections.values()];
  rejections.clear();
  const text = reasons
    .map((reason) => (reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)))
    .join('\n');
  throw new Error(`${reasons.length} unhandled rejection(s):\n${text}`);
}

export const mochaHooks = {
  beforeAll(): void {
    process.on('unhandledRejection', onRejection);
  },
  async afterEach(): Promise<void> {
    // Rejections surface a tick after the promise fails: let them arrive before checking.
    await new Promise((resolve) => setImmediate(resolve));
    takeRejections();
  },
  afterAll(): void {
    process.off('unhandledRejection', onRejection);
    takeRejections();
  },
};
