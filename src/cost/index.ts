import type * as vscode from 'vscode';
import { Commands, lazyCommands, registerCommands } from '../platform/commands';
import type { Services } from '../services';
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
        // Loaded when one of them first runs: none is needed to start.
        ...lazyCommands(
          [
            Commands.showUsage,
            Commands.setBudget,
            Commands.setModelPrice,
            Commands.exportUsage,
            Commands.deleteUsageData,
          ],
          async () => (await import('./commands')).costCommands(services, statusBar),
        ),
        ...priceCommands(prices, services.dialogs),
        ...lazyCommands([Commands.refreshGateway, Commands.compareGatewaySpend], async () =>
          (await import('./gatewayCommands')).gatewayCommands(services),
        ),
      },
      log,
      services.dialogs,
    ),
  );
}
