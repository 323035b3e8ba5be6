export * from './directory-source';
export * from './dossier-gate';
export * from './outcome-publisher';
export * from './routing-register';
export * from './signature-verifier';
export * from './attachment-gate';
