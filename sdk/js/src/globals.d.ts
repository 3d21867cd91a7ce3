// The web APIs componentize-js's runtime (StarlingMonkey) provides that the SDK uses; declared
// here because the plugin is type-checked without the DOM library.

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: string);
  decode(input?: Uint8Array): string;
}
