import type * as vscode from 'vscode';
import { registerCommands } from '../platform/commands';
import type { Services } from '../services';
import { costCommands } from './commands';
import { gatewayCommands } from './gatewayCommands';
import { priceCommands, type PriceUpdates } from './prices';
import type { CostStatusBar } from './statusBar';

export { CostService } from './costService';
export { PriceUpdates } from './prices';
export { CostStatusBar } from './statusBar';
export { usageText } from './usageText';

/** The usage, budget and price commands (the cost service, status bar and price updates are built in activate()). */
export function register(
  context: vscode.ExtensionContext,
  services: Services,
  statusBar: CostStatusBar,
  prices: PriceUpdates,
): void {
  const log = services.log.child('cost');
  context.subscriptions.push(
    ...registerCommands(
      {
        ...costCommands(services, statusBar),
        ...priceCommands(prices, services.dialogs),
        ...gatewayCommands(services),
      },
      log,
      services.dialogs,
    ),
  );
}
