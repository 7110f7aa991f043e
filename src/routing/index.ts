import type * as vscode from 'vscode';
import { Commands, lazyCommands, registerCommands } from '../platform/commands';
import type { Services } from '../services';

export { RoutingService } from './routingService';

/** Test Fallback Chain and Edit Fallback Chain (the routing service itself is built in activate()). */
export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    ...registerCommands(
      // Loaded when one of them first runs.
      lazyCommands([Commands.testFallbackChain, Commands.editFallbackChain], async () =>
        (await import('./fallbackCommands')).fallbackCommands(services),
      ),
      services.log.child('routing'),
      services.dialogs,
    ),
  );
}
