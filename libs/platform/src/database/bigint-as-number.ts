import type { ValueTransformer } from 'typeorm';

/** bigint columns come back from pg as strings; every value the contexts store is a safe integer. */
export const bigintAsNumber: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
