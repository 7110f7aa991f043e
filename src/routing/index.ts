import type * as vscode from 'vscode';
import { registerCommands } from '../platform/commands';
import type { Services } from '../services';
import { fallbackCommands } from './fallbackCommands';

export { RoutingService } from './routingService';

/** Test Fallback Chain and Edit Fallback Chain (the routing service itself is built in activate()). */
export function register(context: vscode.ExtensionContext, services: Services): void {
  context.subscriptions.push(
    ...registerCommands(fallbackCommands(services), services.log.child('routing'), services.dialogs),
  );
}
