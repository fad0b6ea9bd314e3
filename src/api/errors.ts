// Typed errors of the resource model. A ValidationError lists every field problem found in one resource, so an
// operator fixes a manifest in one pass; callers branch on `code` ('Invalid'), never on the message.

import { GinghamError } from '../lib/errors';

export interface FieldProblem {
  /** Dotted path from the resource root, e.g. "spec.blockSize" or "spec.ingress[0].source.nets[1]". */
  readonly path: string;
  /** What the rule requires, e.g. "must be between 20 and 32 for IPv4". */
  readonly rule: string;
}

export class ValidationError extends GinghamError {
  constructor(
    readonly kind: string,
    readonly resourceName: string,
    readonly problems: readonly FieldProblem[],
  ) {
    // "IPPool default-ipv4-ippool: spec.blockSize: must be between 20 and 32 for IPv4; spec.ipipMode: ..."
    super('Invalid', `${kind} ${resourceName || '<no name>'}: ${problems.map((p) => `${p.path}: ${p.rule}`).join('; ')}`);
  }
}

/** Collects field problems while a validator walks a resource; `throwIfAny` raises them together. */
export class Problems {
  readonly list: FieldProblem[] = [];

  add(path: string, rule: string): void {
    this.list.push({ path, rule });
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  throwIfAny(kind: string, name: string): void {
    if (this.list.length > 0) throw new ValidationError(kind, name, this.list);
  }
}

/** A manifest that cannot be read as resources (bad YAML, unknown kind, wrong apiVersion). */
export class ManifestError extends GinghamError {
  constructor(
    readonly source: string,
    readonly doc: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super('BadManifest', `${source}: document ${doc}: ${detail}`, options);
  }
}
