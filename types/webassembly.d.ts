// The part of the WebAssembly JavaScript API that vectord uses (the exact-scan kernel). Node has
// it built in; TypeScript declares it only in its DOM library, which a server does not load.

declare namespace WebAssembly {
  /** Compiled, stateless WebAssembly code. */
  class Module {
    constructor(bytes: ArrayBufferView | ArrayBuffer);
  }

  interface MemoryDescriptor {
    /** Initial size, in 64 KiB pages. */
    initial: number;
    maximum?: number;
    shared?: boolean;
  }

  /** A resizable linear memory. */
  class Memory {
    constructor(descriptor: MemoryDescriptor);
    readonly buffer: ArrayBuffer;
    grow(delta: number): number;
  }

  // biome-ignore lint/complexity/noBannedTypes: exports are functions of any signature
  type ExportValue = Function | Memory;

  /** A module instantiated with its imports. */
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, ExportValue>;
  }
}
