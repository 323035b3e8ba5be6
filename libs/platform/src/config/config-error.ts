/** The environment as the loaders read it (process.env, or a plain object in tests). */
export type Env = Record<string, string | undefined>;

/** A setting that cannot be used: stops the service at boot with a message naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`config ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}
