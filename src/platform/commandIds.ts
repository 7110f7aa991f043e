/** The vendor of the models Switchboard offers VS Code (the chat uses it to recognise them in the picker). */
export const LANGUAGE_MODEL_VENDOR = 'switchboard';

/** Every command id Switchboard contributes; a test checks this list against package.json. */
export const Commands = {
  openPanel: 'switchboard.openPanel',
  showLog: 'switchboard.showLog',
  addProvider: 'switchboard.addProvider',
  removeProvider: 'switchboard.removeProvider',
  setApiKey: 'switchboard.setApiKey',
  clearApiKey: 'switchboard.clearApiKey',
  testConnection: 'switchboard.testConnection',
  exportConfiguration: 'switchboard.exportConfiguration',
  importConfiguration: 'switchboard.importConfiguration',
  importFromTool: 'switchboard.importFromTool',
  restoreProviders: 'switchboard.restoreProviders',
  clearAllKeys: 'switchboard.clearAllKeys',
  detectLocalProviders: 'switchboard.detectLocalProviders',
  showUsage: 'switchboard.showUsage',
  setBudget: 'switchboard.setBudget',
  setModelPrice: 'switchboard.setModelPrice',
  deleteUsageData: 'switchboard.deleteUsageData',
  exportUsage: 'switchboard.exportUsage',
  refreshPrices: 'switchboard.refreshPrices',
  selectDefaultModel: 'switchboard.selectDefaultModel',
  testFallbackChain: 'switchboard.testFallbackChain',
  editFallbackChain: 'switchboard.editFallbackChain',
  editProvider: 'switchboard.editProvider',
  testAllConnections: 'switchboard.testAllConnections',
  openChat: 'switchboard.openChat',
  recommendModel: 'switchboard.recommendModel',
  refreshGateway: 'switchboard.refreshGateway',
  compareGatewaySpend: 'switchboard.compareGatewaySpend',
} as const;
