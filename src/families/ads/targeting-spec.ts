import { invalidField } from '../../kernel/errors.js';

/**
 * Pinterest (TargetingSpec): MINIMUM_AGE and MAXIMUM_AGE go together and exclude
 * AGE_BUCKET. `field` names the spec in the refusal (`targeting_spec`, `targeting_attributes`).
 */
export function checkAgeRange(spec: Record<string, unknown> | null | undefined, field: string): void {
  if (!spec) return;
  if ((spec.MINIMUM_AGE === undefined) !== (spec.MAXIMUM_AGE === undefined)) throw invalidField(`${field}.MINIMUM_AGE`, 'and MAXIMUM_AGE go together');
  if (spec.MINIMUM_AGE !== undefined && spec.AGE_BUCKET != null) throw invalidField(`${field}.AGE_BUCKET`, 'cannot be given with MINIMUM_AGE and MAXIMUM_AGE');
}
