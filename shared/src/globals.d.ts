// The few globals shared/ uses that both the browser and Node 22 provide (the WinterCG common
// minimum). shared/tsconfig.json loads neither the DOM nor Node's types, so these are all it sees:
// a use of anything platform-specific is a type error.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}
declare function btoa(data: string): string;
declare function atob(data: string): string;
