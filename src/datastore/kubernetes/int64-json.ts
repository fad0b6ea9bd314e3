// Lossless JSON for the API server's int64 fields. Calico initialises IPAMBlock sequence numbers from the clock in
// nanoseconds (libcalico-go ipam_block.go newBlock: UnixNano), so a Calico-written block carries integers above 2^53,
// which JSON.parse rounds. Read side: integer literals outside the exact range of a double become decimal strings
// before parsing (the v3 model keeps such sequence numbers as strings; api/ipam parseSeq reads both). Write side:
// a value wrapped by int64Literal is written as a bare JSON integer (the CRD types the field integer/int64).
// Owns only these two text transforms; which fields carry int64 values is convert.ts's business.

/**
 * A JSON string literal, or an integer literal that is a whole JSON number: not the fraction or exponent digits of
 * another number (lookbehind) and followed by no fraction or exponent (lookahead).
 */
const TOKENS = /"(?:[^"\\]|\\.)*"|(?<![\w.+-])-?\d+(?![\d.eE])/g;

/**
 * The JSON text with every integer literal beyond ±(2^53 - 1) quoted as a decimal string, or as the string `wrap`
 * makes of its digits (int64Literal: a reader that must tell such integers from strings, as a server does).
 */
export function quoteUnsafeIntegers(text: string, wrap: (decimal: string) => string = (d) => d): string {
  return text.replace(TOKENS, (tok) => {
    if (tok.startsWith('"') || tok.replace('-', '').length < 16) return tok;
    return Number.isSafeInteger(Number(tok)) ? tok : JSON.stringify(wrap(tok));
  });
}

/** The digits of an int64Literal value, or undefined for any other value. */
export function int64LiteralDigits(v: unknown): string | undefined {
  return typeof v === 'string' && v.startsWith(MARKER) ? v.slice(MARKER.length) : undefined;
}

/** JSON.parse that keeps integers beyond a double's exact range as decimal strings. */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(quoteUnsafeIntegers(text)) as unknown;
}

// A NUL cannot occur in the resources' text fields the API server stores for Gingham, and JSON.stringify escapes it
// as \u0000, so the marker is unambiguous in the serialised text.
const MARKER = '\u0000int64:';
const MARKED = /"\\u0000int64:(-?\d+)"/g;

/** A decimal integer to be written as a bare JSON number by stringifyJsonInt64. */
export function int64Literal(decimal: string): string {
  if (!/^-?\d+$/.test(decimal)) throw new RangeError(`int64Literal: "${decimal}" is not a decimal integer`);
  return `${MARKER}${decimal}`;
}

/** The serialised text with every int64Literal marker turned into a bare integer. */
export function unquoteInt64Literals(json: string): string {
  return json.replace(MARKED, '$1');
}

/** JSON.stringify, with int64Literal values written as bare integers. */
export function stringifyJsonInt64(value: unknown): string {
  return unquoteInt64Literals(JSON.stringify(value));
}
