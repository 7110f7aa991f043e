/** Every command id Switchboard contributes; a test checks this list against package.json. */
export const Commands = {
  openPanel: 'switchboard.openPanel',
  showLog: 'switchboard.showLog',
} as const;
