// the gateway and the agency connector answer errors the same way
export { ErrorFilter, toHttpError } from '@lt/platform';
