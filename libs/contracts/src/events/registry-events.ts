import type { Actor, Agency, AgencyKey } from '../registry/registry';

/** An agency with all its keys (revoked ones included), as registry events carry it. */
export interface AgencySnapshot extends Agency {
  keys: AgencyKey[];
}

/** `data` of every registry event on `<ns>.evt.registry.*`. */
export interface RegistryEventData {
  /** the change's position in the registry history */
  seq: number;
  actor: Actor;
  /** the key added or revoked; null on agency changes */
  keyId: string | null;
  /** the agency with all its keys after the change */
  agency: AgencySnapshot;
}
