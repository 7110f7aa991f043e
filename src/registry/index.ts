import type * as vscode from 'vscode';
import { Commands, registerCommands } from '../platform/commands';
import type { Services } from '../services';
import { connectionTestCommands } from './connectionTest';
import { providerCommands } from './providerCommands';
import { registerProvidersTree } from './providersView';
import { recommendModel, type RecommendArgs } from './recommend';

export { ModelChangeTracker } from './modelChanges';
export { createModelPicker, describeModel } from './modelPicker';
export { createRegistry } from './registryHost';

/** The provider commands, the connection test and the activity-bar providers tree. */
export function register(context: vscode.ExtensionContext, services: Services): void {
  const log = services.log.child('providers');
  context.subscriptions.push(
    ...registerCommands(
      {
        ...providerCommands(services),
        ...connectionTestCommands(services),
        [Commands.recommendModel]: (args?: RecommendArgs) => recommendModel(services, args),
      },
      log,
      services.dialogs,
    ),
    registerProvidersTree(services.registry),
  );
}
