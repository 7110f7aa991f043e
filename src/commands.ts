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
  clearAllKeys: 'switchboard.clearAllKeys',
  detectLocalProviders: 'switchboard.detectLocalProviders',
  showUsage: 'switchboard.showUsage',
  setBudget: 'switchboard.setBudget',
  deleteUsageData: 'switchboard.deleteUsageData',
  exportUsage: 'switchboard.exportUsage',
  selectDefaultModel: 'switchboard.selectDefaultModel',
} as const;
