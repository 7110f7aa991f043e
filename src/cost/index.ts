import type * as vscode from 'vscode';
import { registerCommands } from '../platform/commands';
import type { Services } from '../services';
import { costCommands } from './commands';
import type { CostStatusBar } from './statusBar';

export { CostService } from './costService';
export { CostStatusBar } from './statusBar';
export { usageText } from './usageText';

/** The usage and budget commands (the cost service and the status bar are built in activate()). */
export function register(context: vscode.ExtensionContext, services: Services, statusBar: CostStatusBar): void {
  context.subscriptions.push(
    ...registerCommands(costCommands(services, statusBar), services.log.child('cost'), services.dialogs),
  );
}
