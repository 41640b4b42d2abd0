/** What tells two builds of one version apart for the inventory and the rollout rules. */
export interface ProductFacts {
  readonly project: string;
  readonly chip: string;
  readonly secureVersion: number;
}

/**
 * Whether a device could run either image as far as the inventory and the rollout rules can
 * tell: the same project, chip and secure_version. Two products that both call a build 1.0.0
 * are not: which one a device runs cannot be read from the version it reports.
 */
export function isSameProduct(a: ProductFacts, b: ProductFacts): boolean {
  return a.project === b.project && a.chip === b.chip && a.secureVersion === b.secureVersion;
}
