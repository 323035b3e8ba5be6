/** Nest injection tokens of the connector's HTTP layer. */
export const CONNECTOR_DEPS = Symbol('CONNECTOR_DEPS');
