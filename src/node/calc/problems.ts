/** Something the calculation could not use or do, keyed by what it is about (never an error's text) for reporting once. */
export interface CalcProblem {
  readonly key: string;
  readonly message: string;
}
