export * from './base64url';
export * from './hash';
export * from './kid';
export * from './keys';
export * from './jws';
export * from './verifier-pool';
export * from './token';
export * from './hub-signer';
