// The one error a selector can raise: what was expected and the 1-based column where reading stopped, so an
// operator can find the spot in a long peerSelector or nodeSelector.

import { GinghamError } from '../../lib/errors';

export class SelectorError extends GinghamError {
  constructor(
    readonly selector: string,
    readonly column: number,
    readonly detail: string,
  ) {
    super('InvalidSelector', `selector "${selector}": ${detail} at column ${column}`);
  }

  /** The selector with a caret under the failing column, for multi-line terminal output. */
  caret(): string {
    return `${this.selector}\n${' '.repeat(Math.max(0, this.column - 1))}^`;
  }
}
