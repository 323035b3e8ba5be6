/** `data` of the router's events: decisions about a submission that leave no inbox copy. */

/** `msg.rejected`: a submission refused (a status 02 went back to the sender when it could be authenticated). */
export interface MsgRejectedData {
  reasonCode: string;
  reason: string;
  from?: string;
  kind?: string;
  digest: string;
  /** envelope id when it could be read */
  envelopeId?: string;
  /** whether a status 02 went back to the sender (not when the sender could not be authenticated) */
  bounced: boolean;
  submitSeq: number;
}

/** `msg.replayed`: an envelope id submitted again after it was routed; ignored. */
export interface MsgReplayedData {
  envelopeId: string;
  from: string;
  kind?: string;
  digest: string;
  submitSeq: number;
  /** submission that first carried this envelope id */
  firstSubmitSeq: number;
}

/** `msg.flagged`: delivered, but flagged (e.g. `duplicate-number`, Decree 30). */
export interface MsgFlaggedData {
  flag: string;
  envelopeId: string;
  from: string;
  codeNumber: string;
  codeNotation: string;
  year: number;
  /** envelope that first took this (number, notation) in that year */
  firstEnvelopeId: string;
  digest: string;
  submitSeq: number;
}

/** `msg.deadlettered`: a poison submission moved to the dead-letter subject. */
export interface MsgDeadLetteredData {
  reason: string;
  subject: string;
  deliveries: number;
  digest: string;
  submitSeq: number;
  deadLetterSubject: string;
}
