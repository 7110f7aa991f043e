export * from './automaticFallback';
export * from './health';
export * from './healthChecks';
export * from './router';
export * from './switchLog';
