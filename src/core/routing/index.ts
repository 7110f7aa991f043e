export * from './health';
export * from './router';
