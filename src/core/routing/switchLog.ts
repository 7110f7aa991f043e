import { SKIP_WORDS, type RouteEvent } from './router';

type SwitchEvent = Extract<RouteEvent, { type: 'route-switch' | 'route-skip-switch' }>;

/**
 * What the activity log keeps of a switch, whether a failure or a skip caused it: the provider left,
 * why, and the model tried next ("gpt-4o → anthropic/claude-sonnet-4-5: overloaded (503)").
 */
export function switchRecord(event: SwitchEvent): { providerId: string; detail: string } {
  const to = `${event.to.providerId}/${event.to.model}${event.to.automatic ? ' (automatic failover)' : ''}`;
  const why =
    event.type === 'route-switch'
      ? `${event.error.kind}${event.error.status ? ` (${event.error.status})` : ''}`
      : `skipped, ${SKIP_WORDS[event.reason]}`;
  return { providerId: event.from.providerId, detail: `${event.from.model} → ${to}: ${why}` };
}

/**
 * Passes a route's events on, noting each switch (failure or skip) with `note` (the activity log).
 * A note that cannot be written is reported to `onNoteFailed`; the answer goes on.
 */
export async function* notingSwitches(
  events: AsyncIterable<RouteEvent>,
  note: (providerId: string, detail: string) => Promise<void>,
  onNoteFailed: (error: unknown) => void,
): AsyncGenerator<RouteEvent, void, undefined> {
  for await (const event of events) {
    if (event.type === 'route-switch' || event.type === 'route-skip-switch') {
      const { providerId, detail } = switchRecord(event);
      note(providerId, detail).catch(onNoteFailed);
    }
    yield event;
  }
}
