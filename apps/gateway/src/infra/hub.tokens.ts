export const NATS = Symbol('NATS');
export const TOPOLOGY = Symbol('TOPOLOGY');
export const RPC = Symbol('RPC');
export const HUB_KEYS = Symbol('HUB_KEYS');
export const PG_POOL = Symbol('PG_POOL');
export const CONFIG = Symbol('CONFIG');
