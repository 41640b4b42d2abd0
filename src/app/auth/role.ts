/**
 * What a credential may do. `device`: check for an update and download files. `operator`:
 * everything (the seed's single credential is an operator, so seed clients keep working).
 */
export type Role = 'device' | 'operator';
