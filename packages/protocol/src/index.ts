export * from './errors';
export * from './entities';
export * from './sync-events';
export * from './entity-schemas';
export * from './ws-messages';
export * from './frames';
