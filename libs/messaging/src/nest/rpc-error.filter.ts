import { Catch, type RpcExceptionFilter } from '@nestjs/common';
import { throwError, type Observable } from 'rxjs';

/**
 * Nest's default RPC filter turns every error that is not an RpcException into "Internal server
 * error", losing the stable code. This filter hands the error through unchanged so the transport
 * replies `{code, message, details}` of the LtError the use case threw.
 */
@Catch()
export class PassLtErrorsFilter implements RpcExceptionFilter<unknown> {
  catch(exception: unknown): Observable<never> {
    return throwError(() => exception);
  }
}
