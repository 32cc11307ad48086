/**
 * JSON Schemas (draft-07, as AsyncAPI 3.0 takes them) typed by the TypeScript type they describe, so a
 * contract type and its schema cannot drift apart unnoticed: a property added to, removed from or retyped
 * in an interface, or a member added to a union of literals, fails the type check until its schema
 * follows. docs/contract.md §4; the document built from them: docs/adr/0020-asyncapi-contract.md.
 */

interface Annotated {
  description?: string;
}

export type StringSchema<T extends string> = Annotated & { type: 'string'; minLength?: number; maxLength?: number; pattern?: string; format?: 'uuid' | 'date-time' } & (string extends T
    ? { enum?: never }
    : { enum: readonly T[] });

export type IntegerSchema = Annotated & { type: 'integer'; minimum?: number; maximum?: number };

export interface ArraySchema<T> extends Annotated {
  type: 'array';
  items: JsonSchemaOf<T>;
  minItems?: number;
  maxItems?: number;
}

/** Every property has a schema; `required` lists every property the type does not mark optional. */
export interface ObjectSchema<T> extends Annotated {
  type: 'object';
  properties: { [K in keyof T]-?: JsonSchemaOf<Exclude<T[K], undefined>> };
  required: ReadonlyArray<keyof T & string>;
  additionalProperties: false;
}

export interface NullableSchema<T> extends Annotated {
  anyOf: [JsonSchemaOf<T>, { type: 'null' }];
}

/** The schema shape that fits `T` (the contracts hold strings, integers, arrays, objects and nullables of those). */
export type JsonSchemaOf<T> = null extends T
  ? NullableSchema<Exclude<T, null>>
  : [T] extends [string]
    ? StringSchema<T>
    : [T] extends [number]
      ? IntegerSchema
      : [T] extends [ReadonlyArray<infer U>]
        ? ArraySchema<U>
        : [T] extends [object]
          ? ObjectSchema<T>
          : never;

type OptionalKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? K : never }[keyof T] & string;

/**
 * The schema of an object type: `required` is derived (every property but those named optional), and no
 * property outside the type is allowed, so a field an emitter adds without the contract fails validation.
 */
export function objectSchema<T>(
  properties: ObjectSchema<T>['properties'],
  options: { description?: string; optional?: ReadonlyArray<OptionalKeys<T>> } = {},
): ObjectSchema<T> {
  const optional = new Set<string>(options.optional ?? []);
  return {
    type: 'object',
    ...(options.description ? { description: options.description } : {}),
    properties,
    required: Object.keys(properties).filter((k) => !optional.has(k)) as Array<keyof T & string>,
    additionalProperties: false,
  };
}

/**
 * The values of a union of string literals, checked complete: `literals<'A' | 'B'>()(['A'])` fails to compile,
 * so a reason or status added to a union needs its schema's enum too.
 */
export function literals<T extends string>() {
  return <const V extends readonly T[]>(values: V & ([Exclude<T, V[number]>] extends [never] ? unknown : { missing: Exclude<T, V[number]> })): readonly T[] =>
    values;
}

export function stringEnum<T extends string>(values: readonly T[], description?: string): StringSchema<T> {
  return { type: 'string', enum: values, ...(description ? { description } : {}) } as unknown as StringSchema<T>;
}

export function nullable<T>(schema: JsonSchemaOf<T>, description?: string): NullableSchema<T> {
  return { anyOf: [schema, { type: 'null' }], ...(description ? { description } : {}) };
}

/** An id the app generates or checks as a UUID (users, organizations, orders). */
export function uuid(description: string): StringSchema<string> {
  return { type: 'string', format: 'uuid', description };
}

/** A product's sku: 1-64 letters, digits, `_ . -`, not first (docs/contract.md §3.3). */
export function sku(description = 'The product’s sku'): StringSchema<string> {
  return { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$', description };
}

export function text(description: string, limits: { minLength?: number; maxLength?: number } = {}): StringSchema<string> {
  return { type: 'string', ...limits, description };
}

/** Integer minor units (or counts) that are never negative and stay exact in a JavaScript number. */
export function nonNegativeInteger(description: string, maximum = Number.MAX_SAFE_INTEGER): IntegerSchema {
  return { type: 'integer', minimum: 0, maximum, description };
}

export function positiveInteger(description: string, maximum = Number.MAX_SAFE_INTEGER): IntegerSchema {
  return { type: 'integer', minimum: 1, maximum, description };
}

/** What the contracts say about one message type: its data's schema and the data field it is keyed by. */
export interface MessageContract<T> {
  /** One sentence: what happened (an event) or what is asked (a command), and when. */
  summary: string;
  /** The data field whose value is the record's Kinesis partition key, `partitionkey` and `subject`. */
  partitionKey: keyof T & string;
  data: ObjectSchema<T>;
}

/** A message contract whatever its data type, for code that walks all of them. */
export interface AnyMessageContract {
  summary: string;
  partitionKey: string;
  data: { type: 'object'; properties: object; required: readonly string[]; additionalProperties: false };
}

/** One contract per name of a `*Types` constant, for the data type `Data` names for it. */
export type MessageContracts<Types extends Record<string, string>, Data extends { [K in keyof Types]: object }> = {
  readonly [K in keyof Types]: MessageContract<Data[K]>;
};
