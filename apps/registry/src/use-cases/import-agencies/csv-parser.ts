/**
 * Incremental RFC 4180 parser: text arrives in chunks of any size (a chunk may end inside a quoted
 * field, between the two quotes of an escaped quote, or between CR and LF) and complete records
 * come out with the physical line they start on (the header is line 1).
 *
 * Accepts: a leading BOM, CRLF / LF / lone CR line breaks, quoted fields holding commas, quotes
 * ("") and line breaks. Lenient where RFC 4180 is strict and data in the wild is not: a quote
 * inside an unquoted field is kept literally. Reported per record (the rest of the file goes on):
 * text after a closing quote, and an unterminated quoted field at the end of the input.
 * Blank lines are skipped.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
  /** set when the record is malformed; its fields are what could be read */
  error?: string;
}

const enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** a quote seen inside a quoted field: either an escaped quote or the closing one */
  QuoteInQuoted,
  /** after the closing quote, before the separator */
  AfterQuoted,
}

export class CsvParser {
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  private quoteLine = 1;
  private error: string | undefined;
  /** the record has content (distinguishes a blank line from `""`) */
  private content = false;
  private skipLf = false;
  private atStart = true;
  private out: CsvRecord[] = [];

  feed(text: string): CsvRecord[] {
    let i = 0;
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) i = 1;
    }
    for (; i < text.length; i++) {
      const ch = text[i]!;
      if (this.skipLf) {
        this.skipLf = false;
        if (ch === '\n') continue;
      }
      switch (this.state) {
        case State.Quoted:
          if (ch === '"') this.state = State.QuoteInQuoted;
          else {
            if (ch === '\n') this.line++;
            this.field += ch;
          }
          break;
        case State.QuoteInQuoted:
          if (ch === '"') {
            this.field += '"';
            this.state = State.Quoted;
          } else {
            this.state = State.AfterQuoted;
            this.outside(ch);
          }
          break;
        default:
          this.outside(ch);
      }
    }
    return this.take();
  }

  /** Call once after the last chunk: flushes the last record (no trailing newline needed). */
  end(): CsvRecord[] {
    if (this.state === State.Quoted) {
      this.error ??= `unterminated quoted field opened on line ${this.quoteLine}`;
    }
    if (this.content || this.fields.length > 0 || this.field !== '') this.endRecord();
    return this.take();
  }

  /** Current physical line (for progress reports). */
  get currentLine(): number {
    return this.line;
  }

  private outside(ch: string): void {
    if (ch === ',') {
      this.content = true;
      this.endField();
      return;
    }
    if (ch === '\n' || ch === '\r') {
      if (this.content || this.fields.length > 0 || this.field !== '') this.endRecord();
      this.line++;
      this.recordLine = this.line;
      this.state = State.FieldStart;
      if (ch === '\r') this.skipLf = true;
      return;
    }
    this.content = true;
    switch (this.state) {
      case State.FieldStart:
        if (ch === '"') {
          this.state = State.Quoted;
          this.quoteLine = this.line;
        } else {
          this.field += ch;
          this.state = State.Unquoted;
        }
        break;
      case State.AfterQuoted:
        this.error ??= `unexpected ${JSON.stringify(ch)} after the closing quote of field ${this.fields.length + 1}`;
        this.field += ch;
        break;
      default:
        this.field += ch;
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = State.FieldStart;
  }

  private endRecord(): void {
    this.fields.push(this.field);
    this.out.push(this.error ? { line: this.recordLine, fields: this.fields, error: this.error } : { line: this.recordLine, fields: this.fields });
    this.fields = [];
    this.field = '';
    this.error = undefined;
    this.content = false;
    this.state = State.FieldStart;
  }

  private take(): CsvRecord[] {
    const out = this.out;
    this.out = [];
    return out;
  }
}

/** Parses a whole text at once. */
export function parseCsv(text: string): CsvRecord[] {
  const p = new CsvParser();
  return [...p.feed(text), ...p.end()];
}
