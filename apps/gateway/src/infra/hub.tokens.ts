/** The gateway's own side effects; the connection, topology and config tokens are the hub-wide ones (NATS_CONNECTION, TOPOLOGY, HUB_CONFIG). */
export const RPC = Symbol('RPC');
export const HUB_KEYS = Symbol('HUB_KEYS');
export const PG_POOL = Symbol('PG_POOL');
