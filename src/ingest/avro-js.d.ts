/**
 * Minimal typings for the part of avro-js (Apache Avro for JavaScript, 1.12) that driftwatch uses.
 * We import `avro-js/lib/schemas` rather than the package entry point because the entry point also
 * loads a deprecated validator that requires `underscore`, which avro-js does not declare.
 */
declare module 'avro-js/lib/schemas' {
  export class Type {
    getName(noRef?: boolean): string | undefined;
    getSchema(noDeref?: boolean): string;
    toBuffer(value: unknown): Buffer;
    fromBuffer(buf: Buffer, resolver?: unknown, noCheck?: boolean): unknown;
    isValid(value: unknown, opts?: { errorHook?: (path: string[], value: unknown, type: Type) => void }): boolean;
  }
  export interface Field {
    getName(): string;
    getType(): Type;
    getDefault(): unknown;
  }
  // The brand members only keep the classes apart for TypeScript's `instanceof` narrowing.
  class NullType extends Type { private readonly brandNull: void; }
  class BooleanType extends Type { private readonly brandBoolean: void; }
  class IntType extends Type { private readonly brandInt: void; }
  class LongType extends Type { private readonly brandLong: void; }
  class FloatType extends Type { private readonly brandFloat: void; }
  class DoubleType extends Type { private readonly brandDouble: void; }
  class BytesType extends Type { private readonly brandBytes: void; }
  class StringType extends Type { private readonly brandString: void; }
  class RecordType extends Type { getFields(): Field[]; }
  class EnumType extends Type { getSymbols(): string[]; }
  class FixedType extends Type { getSize(): number; }
  class ArrayType extends Type { getItemsType(): Type; }
  class MapType extends Type { getValuesType(): Type; }
  class UnionType extends Type { getTypes(): Type[]; }
  class LogicalType extends Type { getUnderlyingType(): Type; }
  export const types: {
    Type: typeof Type;
    NullType: typeof NullType;
    BooleanType: typeof BooleanType;
    IntType: typeof IntType;
    LongType: typeof LongType;
    FloatType: typeof FloatType;
    DoubleType: typeof DoubleType;
    BytesType: typeof BytesType;
    StringType: typeof StringType;
    RecordType: typeof RecordType;
    EnumType: typeof EnumType;
    FixedType: typeof FixedType;
    ArrayType: typeof ArrayType;
    MapType: typeof MapType;
    UnionType: typeof UnionType;
    LogicalType: typeof LogicalType;
  };
  export function createType(schema: unknown, opts?: Record<string, unknown>): Type;
}
