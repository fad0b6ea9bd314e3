// Test helpers for the kind tables (used only by *.test.ts): build a resource, run defaults + validation, and
// return the problems as "path: rule" strings so a table can name the field it expects to fail.

import { ValidationError } from './errors';
import type { Resource } from './meta';
import { applyDefaults, newResource, validateResource } from './resource';

export function make(kind: string, name: string, spec?: unknown, extra: Partial<Resource['metadata']> = {}): Resource {
  return newResource(kind, { name, ...extra }, spec);
}

/** Problems after defaults are applied; [] when valid. */
export function problemsOf(res: Resource, withDefaults = true): string[] {
  try {
    validateResource(withDefaults ? applyDefaults(res) : res);
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.problems.map((p) => `${p.path}: ${p.rule}`);
    throw err;
  }
}
