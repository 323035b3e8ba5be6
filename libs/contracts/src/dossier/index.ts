export * from './local-time';
export * from './dossier-code';
export * from './dossier-state';
export * from './dossier-body';
export * from './service';
