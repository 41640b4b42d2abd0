/**
 * One thing wrong with a definition: where (the path of the field in the JSON body, as zod
 * reports its issues: `["halt", "failurePercent"]`, `["waves", 2]`) and what.
 */
export interface FieldProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}
