export * from './errors';
export * from './entities';
export * from './sync-events';
